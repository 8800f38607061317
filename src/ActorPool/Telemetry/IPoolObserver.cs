namespace ActorPool.Telemetry;

/// <summary>
/// Observes the stages of a pool's tasks (benchmarks and specs measure and check with it). Injected through
/// <see cref="Workers.WorkerSetup.Observer"/>; null, the default, observes nothing. Members run on the
/// supervisor's, a worker's or an engine thread and must not block.
/// </summary>
internal interface IPoolObserver
{
    /// <summary>The supervisor hands a task to a worker: task id, time it waited in the queue, the caller's deadline.</summary>
    void TaskDispatched(string taskId, TimeSpan waited, TimeSpan? deadline);

    /// <summary>A worker starts a task: worker name, task id, tasks it ran so far (this one included), its budget.</summary>
    void TaskStarted(string worker, string taskId, int tasksRun, int budget);

    /// <summary>An engine thread is about to call into its engine for a task (on that thread).</summary>
    void CallStarting(string taskId);

    /// <summary>
    /// A worker posts one job to its engine thread: worker name, the job's first task id, how many calls it runs
    /// back to back (docs/architecture.md, "Batches"). Nothing by default.
    /// </summary>
    void JobStarted(string worker, string firstTaskId, int calls)
    {
    }
}
