namespace ActorPool.Pool;

/// <summary>
/// When a worker's successor starts (respawn ahead): when the tasks the worker has left are no more than an
/// engine start is worth, so the successor is ready when the worker leaves and no task waits for an engine start.
/// Both durations are moving averages of what the pool measured (virtual time in specs).
/// </summary>
internal sealed class Succession
{
    private double _engineStartMillis;
    private double _taskMillis;

    /// <summary>A worker's engine took <paramref name="took"/> from spawn to ready.</summary>
    public void EngineStarted(TimeSpan took) => _engineStartMillis = Average(_engineStartMillis, took.TotalMilliseconds);

    /// <summary>A task ran for <paramref name="took"/>.</summary>
    public void TaskRan(TimeSpan took) => _taskMillis = Average(_taskMillis, took.TotalMilliseconds);

    /// <summary>
    /// How many tasks before the end of a budget of <paramref name="budget"/> the successor starts: as many as run
    /// while an engine starts, at most all but the first; 0 (start with the last task) until both are measured.
    /// </summary>
    public int Ahead(int budget)
    {
        if (_engineStartMillis <= 0 || _taskMillis <= 0)
        {
            return 0;
        }

        var ahead = Math.Ceiling(_engineStartMillis / _taskMillis);
        return ahead >= budget - 1 ? Math.Max(0, budget - 1) : (int)ahead;
    }

    /// <summary>
    /// True when a worker with <paramref name="budget"/> that was just handed its <paramref name="dispatched"/>th
    /// task should have its successor started now (it still has tasks left; at its last task it is simply replaced).
    /// </summary>
    public bool StartsSuccessor(int budget, int dispatched)
    {
        var left = budget - dispatched;
        return left > 0 && left <= Ahead(budget);
    }

    private static double Average(double average, double sample) => average <= 0 ? sample : (average * 0.8) + (sample * 0.2);
}
