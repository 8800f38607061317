using System.Collections.Concurrent;
using System.Diagnostics;
using ActorPool.Configuration;
using ActorPool.Workers;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Diagnostic (not part of <c>all</c>): where a tiny task's latency goes, stage by stage, timed with the
/// pool's internal observation hooks. Run once with one task in flight (pure hand-off latency) and once with
/// <c>--inflight</c> callers (under load).
/// </summary>
internal static class HopsScenario
{
    private const int Dispatched = 0;
    private const int WorkerStarted = 1;
    private const int EngineStarted = 2;

    public static async Task RunAsync(BenchOptions options)
    {
        var marks = new ConcurrentDictionary<string, long[]>(StringComparer.Ordinal);
        void Mark(string taskId, int stage) => marks.GetOrAdd(taskId, static _ => new long[3])[stage] = Stopwatch.GetTimestamp();
        var hooks = new StageObserver(
            id => Mark(id, Dispatched),
            id => Mark(id, WorkerStarted),
            id => Mark(id, EngineStarted));
        var settings = PoolSettings.Default with { Workers = options.Workers };
        await using var host = PoolHost.Start(BenchModules.Source(), settings, hooks);
        Console.WriteLine();
        Console.WriteLine("## hops — stages of one tiny task (reverse), medians in µs; the hooks add a dictionary write per stage");
        Console.WriteLine("| callers in flight | submit → supervisor dispatches | → worker actor starts it | → engine thread starts it | → engine call + reply reaches caller | total | tasks |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var inFlight in new[] { 1, options.InFlight })
        {
            // Warm-up pass first (JIT tiering), then the measured pass.
            await MeasureAsync(host.Pool, marks, inFlight, TimeSpan.FromSeconds(2));
            var rows = await MeasureAsync(host.Pool, marks, inFlight, TimeSpan.FromSeconds(options.Seconds));
            double Med(int from, int to) => Stats.Median([.. rows.Select(r => Stopwatch.GetElapsedTime(r[from], r[to]).TotalMicroseconds)]);
            Console.WriteLine($"| {inFlight} | {Stats.N(Med(0, 1), "N1")} | {Stats.N(Med(1, 2), "N1")} | {Stats.N(Med(2, 3), "N1")} | {Stats.N(Med(3, 4), "N1")} | {Stats.N(Med(0, 4), "N1")} | {Stats.N(rows.Count)} |");
        }
    }

    /// <summary>Each row: submit, dispatched, worker started, engine started, caller resumed (timestamps).</summary>
    private static async Task<List<long[]>> MeasureAsync(ScriptPool pool, ConcurrentDictionary<string, long[]> marks, int inFlight, TimeSpan duration)
    {
        var rows = new ConcurrentBag<long[]>();
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        async Task Lane()
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var submit = Stopwatch.GetTimestamp();
                var result = await pool.RunAsync(BenchModules.Transform, "reverse", BenchModules.ReverseArgs);
                var done = Stopwatch.GetTimestamp();
                if (marks.TryRemove(result.TaskId, out var m))
                {
                    rows.Add([submit, m[Dispatched], m[WorkerStarted], m[EngineStarted], done]);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Lane()));
        return [.. rows];
    }
}

/// <summary>Marks the three stages of a task the pool reports to its observer.</summary>
internal sealed class StageObserver(Action<string> dispatched, Action<string> started, Action<string> calling) : ActorPool.Telemetry.IPoolObserver
{
    public void TaskDispatched(string taskId, TimeSpan waited, TimeSpan? deadline) => dispatched(taskId);

    public void TaskStarted(string worker, string taskId, int tasksRun, int budget) => started(taskId);

    public void CallStarting(string taskId) => calling(taskId);
}
