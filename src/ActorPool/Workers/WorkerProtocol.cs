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

/// <summary>The messages between the supervisor and its workers (local only: workers never cross the wire).</summary>
internal static class WorkerProtocol
{
    /// <summary>
    /// Supervisor to worker: run this task, for at most <paramref name="RunLimit"/>. Sent to a running worker,
    /// it is held: the engine thread starts it right after the current task (pipelining), unless it is past
    /// <see cref="ExpiresAt"/> by then or the supervisor withdrew its <see cref="Ticket"/>.
    /// </summary>
    public sealed record StartTask(RunScript Command, TimeSpan RunLimit, bool Last) : INotInfluenceReceiveTimeout
    {
        /// <summary>The ticket the supervisor, worker and engine thread race on (held or started).</summary>
        public TaskTicket Ticket { get; init; } = new(Command.TaskId);

        /// <summary>Held tasks: when the task may no longer start (its queue age limit or its caller's deadline).</summary>
        public DateTimeOffset? ExpiresAt { get; init; }

        /// <summary>Held tasks: the caller's deadline, which also bounds the run once the task starts.</summary>
        public DateTimeOffset? DeadlineAt { get; init; }

        /// <summary>Held tasks: when the pool accepted the task (for observation only).</summary>
        public DateTimeOffset? AcceptedAt { get; init; }
    }

    /// <summary>Supervisor to worker: cut off the task in flight with this id.</summary>
    public sealed record CancelTask(string TaskId) : INotInfluenceReceiveTimeout;

    /// <summary>Worker to supervisor: the engine started and preloaded its modules.</summary>
    public sealed record WorkerReady;

    /// <summary>Worker to supervisor: the engine did not start; the worker stops.</summary>
    public sealed record WorkerStartFailed(string Reason);

    /// <summary>Worker (or its engine thread, on its behalf) to supervisor: the task is settled.</summary>
    public sealed record TaskFinished(string TaskId, IScriptReply Reply, WorkerNext Next);

    /// <summary>Worker to supervisor: its engine was replaced after a cut-off task; it is idle again.</summary>
    public sealed record WorkerAvailable;

    /// <summary>Worker to supervisor: it is leaving (make-before-break: start the replacement now).</summary>
    public sealed record WorkerRetiring(RetirementReason Reason);

    /// <summary>Worker internal: the engine thread finished its start.</summary>
    public sealed record EngineStarted(Exception? Failure) : INotInfluenceReceiveTimeout;

    /// <summary>Worker internal: the engine thread started the held task.</summary>
    public sealed record HeldStarted(string TaskId) : INotInfluenceReceiveTimeout;

    /// <summary>Worker internal: the engine thread settled the task itself.</summary>
    public sealed record EngineSettled(string TaskId, WorkerNext Next, RetirementReason Reason) : INotInfluenceReceiveTimeout;

    /// <summary>Worker internal: the engine thread is back after a cut-off task, with a fresh engine.</summary>
    public sealed record EngineRecovered(string TaskId, Exception? Failure) : INotInfluenceReceiveTimeout;

    /// <summary>Worker internal: the engine thread hit an exception that means the worker is broken.</summary>
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

/// <summary>
/// Observation points for tests and the bench (faults come from a fake engine, not from here). Null members do
/// nothing; production code never sets them. They run on the actor or engine thread and must not block.
/// </summary>
internal sealed record WorkerTestHooks
{
    /// <summary>Observes the engine thread picking up a task, just before the engine call.</summary>
    public Action<string>? BeforeRun { get; init; }

    /// <summary>Observes every hand-over: task id, time it waited in the queue, the caller's deadline.</summary>
    public Action<string, TimeSpan, TimeSpan?>? TaskDispatched { get; init; }

    /// <summary>Observes every task a worker starts: worker name, task id, tasks run so far (this one included), budget.</summary>
    public Action<string, string, int, int>? TaskStarted { get; init; }

    /// <summary>
    /// Observes the engine thread starting a held task (pipelining), on that thread: task id, time since the pool
    /// accepted it, the caller's deadline.
    /// </summary>
    public Action<string, TimeSpan, TimeSpan?>? HeldTaskStarted { get; init; }
}
