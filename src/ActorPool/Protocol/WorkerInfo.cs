namespace ActorPool.Protocol;

/// <summary>One worker of a pool as its supervisor sees it, part of <see cref="PoolStats.Workers"/>.</summary>
/// <param name="Name">The worker's actor name, unique within its pool (e.g. <c>worker-7</c>).</param>
/// <param name="State">Its lifecycle state.</param>
/// <param name="Engine">The engine kind it runs (<c>jint</c> or <c>v8</c>).</param>
/// <param name="TasksRun">Tasks handed to it so far, the one it runs now included; at most <paramref name="Budget"/>.</param>
/// <param name="Budget">Tasks it may run in its life (the pool's task budget with jitter); then a fresh worker replaces it.</param>
/// <param name="Module">The module of the task it runs now, or null when it runs none.</param>
/// <param name="Function">The function of the task it runs now, or null when it runs none.</param>
/// <param name="RunningFor">How long the task it runs now has been running, or null when it runs none.</param>
/// <param name="Age">How long ago the worker was started.</param>
public sealed record WorkerInfo(
    string Name,
    WorkerStatus State,
    string Engine,
    int TasksRun,
    int Budget,
    string? Module,
    string? Function,
    TimeSpan? RunningFor,
    TimeSpan Age);

/// <summary>The lifecycle state of a worker in <see cref="WorkerInfo"/>.</summary>
public enum WorkerStatus
{
    /// <summary>Its engine is starting (or it is a successor standing by for a worker that is still serving).</summary>
    Starting,

    /// <summary>Ready for a task.</summary>
    Idle,

    /// <summary>Running a task.</summary>
    Busy,

    /// <summary>Its engine was cut off (timeout, cancel, engine limit) and has not come back yet.</summary>
    Recovering,

    /// <summary>Leaving the pool (budget spent, crashed, ...); its replacement is started.</summary>
    Retiring,
}
