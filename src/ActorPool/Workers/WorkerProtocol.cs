using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool.Workers;

/// <summary>What a worker does after it answered a task.</summary>
internal enum WorkerNext
{
    /// <summary>Ready for the next task.</summary>
    Idle,

    /// <summary>
    /// Its task was cut off and its engine thread may never come back; it sends
    /// <see cref="WorkerProtocol.WorkerAvailable"/> if it does, with a fresh engine, or retires.
    /// </summary>
    Recovering,

    /// <summary>Its engine thread is back and replaces a suspect engine; it sends <see cref="WorkerProtocol.WorkerAvailable"/> when done.</summary>
    Renewing,

    /// <summary>Leaving; it sends <see cref="WorkerProtocol.WorkerRetiring"/> and stops.</summary>
    Retiring,
}

/// <summary>
/// The messages between the supervisor and its workers, and between a worker and its engine thread (local only:
/// workers never cross the wire). Every message a running worker may receive is an
/// <see cref="INotInfluenceReceiveTimeout"/>: the worker's <c>ReceiveTimeout</c> is its task's run limit.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>Supervisor to worker: run this task, for at most <paramref name="RunLimit"/>; <paramref name="Last"/> of its budget.</summary>
    public sealed record StartTask(RunScript Command, TimeSpan RunLimit, bool Last) : INotInfluenceReceiveTimeout;

    /// <summary>Supervisor to worker: cut off the task in flight with this id.</summary>
    public sealed record CancelTask(string TaskId) : INotInfluenceReceiveTimeout;

    /// <summary>Worker to supervisor: the engine started and preloaded its modules.</summary>
    public sealed record WorkerReady;

    /// <summary>Worker to supervisor: the engine did not start; the worker stops.</summary>
    public sealed record WorkerStartFailed(string Reason);

    /// <summary>
    /// Worker to supervisor: the task is answered, and what the worker does next (with why it retires, for
    /// <see cref="WorkerNext.Retiring"/>). The worker alone sends it, once per task.
    /// </summary>
    public sealed record TaskFinished(string TaskId, IScriptReply Reply, WorkerNext Next, RetirementReason Reason = RetirementReason.Budget);

    /// <summary>Worker to supervisor: its engine was replaced after a cut-off or suspect task; it is idle again.</summary>
    public sealed record WorkerAvailable;

    /// <summary>Worker to supervisor: it is leaving (make-before-break: start the replacement now).</summary>
    public sealed record WorkerRetiring(RetirementReason Reason);

    /// <summary>Engine thread to worker: the engine started (or failed to).</summary>
    public sealed record EngineStarted(Exception? Failure) : INotInfluenceReceiveTimeout;

    /// <summary>
    /// Engine thread to worker: the call of <paramref name="TaskId"/> returned. <paramref name="Reply"/> is null
    /// when the engine failed in a way no failure kind covers (<paramref name="Crash"/>: the worker is broken);
    /// <paramref name="Suspect"/> when the engine must be replaced before its next task.
    /// </summary>
    public sealed record EngineDone(string TaskId, IScriptReply? Reply, bool Suspect, int LoadedModules, Exception? Crash) : INotInfluenceReceiveTimeout;

    /// <summary>Engine thread to worker: it replaced its engine (or failed to) after task <paramref name="TaskId"/>.</summary>
    public sealed record EngineRenewed(string TaskId, Exception? Failure) : INotInfluenceReceiveTimeout;

    /// <summary>Engine thread to worker: an exception escaped a job; the worker is broken.</summary>
    public sealed record EngineCrashed(Exception Failure) : INotInfluenceReceiveTimeout;

    /// <summary>Worker internal timer key and message: the grace period for the engine thread ran out.</summary>
    public sealed record GraceExpired(string TaskId) : INotInfluenceReceiveTimeout;

    /// <summary>Asks a worker for its state; never resets the in-flight timeout.</summary>
    public sealed record GetWorkerState : INotInfluenceReceiveTimeout
    {
        public static GetWorkerState Instance { get; } = new();
    }

    /// <summary>Asks a supervisor for its live workers (diagnostics and tests).</summary>
    public sealed record GetWorkers : INotInfluenceReceiveTimeout
    {
        public static GetWorkers Instance { get; } = new();
    }

    /// <summary>The answer to <see cref="GetWorkers"/>.</summary>
    public sealed record WorkerList(IReadOnlyList<IActorRef> Refs);

    /// <summary>A worker's answer to <see cref="GetWorkerState"/>.</summary>
    public sealed record WorkerState(string State, string? TaskId, int TasksRun) : INotInfluenceReceiveTimeout;
}
