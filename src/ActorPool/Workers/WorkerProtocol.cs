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
    /// <summary>
    /// One call of an engine job: the task, its run limit (from the moment the engine starts it), and, when the
    /// supervisor sets them, the instant after which it may no longer start (<paramref name="StartBy"/>: its queue
    /// age limit or its caller's deadline, whichever is first) and its caller's deadline
    /// (<paramref name="DeadlineAt"/>, which shortens the run limit of a call that starts late).
    /// </summary>
    /// <remarks>A value, not an object: a job of n calls is one array, not n allocations.</remarks>
    public readonly record struct JobCall(RunScript Command, TimeSpan RunLimit, DateTimeOffset? StartBy = null, DateTimeOffset? DeadlineAt = null);

    /// <summary>
    /// Supervisor to worker: run these calls back to back as one engine job (one hand-off to the engine thread,
    /// one <see cref="TaskFinished"/>); <paramref name="Last"/>: the job ends the worker's budget. A single task is
    /// a job of one call; a run of a batch's calls is one job (docs/architecture.md, "Batches").
    /// </summary>
    public sealed record StartTask(IReadOnlyList<JobCall> Calls, bool Last) : INotInfluenceReceiveTimeout
    {
        /// <summary>A job of one call with run limit <paramref name="runLimit"/> (no start-by check).</summary>
        public StartTask(RunScript command, TimeSpan runLimit, bool last)
            : this([new JobCall(command, runLimit)], last)
        {
        }

        /// <summary>The job's first call; its task id names the job.</summary>
        public RunScript Command => Calls[0].Command;

        /// <inheritdoc />
        public bool Equals(StartTask? other) => other is not null && Last == other.Last && Calls.SequenceEqual(other.Calls);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Calls.Count, Last);
    }

    /// <summary>Supervisor to worker: cut off the task in flight with this id.</summary>
    public sealed record CancelTask(string TaskId) : INotInfluenceReceiveTimeout;

    /// <summary>Worker to supervisor: the engine started and preloaded its modules.</summary>
    public sealed record WorkerReady;

    /// <summary>Worker to supervisor: the engine did not start; the worker stops.</summary>
    public sealed record WorkerStartFailed(string Reason);

    /// <summary>
    /// Worker to supervisor: the job named by <paramref name="TaskId"/> (its first call) is over, with one entry per
    /// call in job order: the call's answer, or null for a call that never started and goes back to the queue (the
    /// job stopped before it: a cut-off, a suspect engine, a retirement). <paramref name="Next"/> says what the
    /// worker does next (with why it retires, for <see cref="WorkerNext.Retiring"/>). The worker alone sends it,
    /// once per job.
    /// </summary>
    public sealed record TaskFinished(string TaskId, IReadOnlyList<IScriptReply?> Replies, WorkerNext Next, RetirementReason Reason = RetirementReason.Budget)
    {
        /// <summary>The end of a job of one call.</summary>
        public TaskFinished(string taskId, IScriptReply reply, WorkerNext next, RetirementReason reason = RetirementReason.Budget)
            : this(taskId, [reply], next, reason)
        {
        }

        /// <summary>The answer of the job's first call (null when it never started).</summary>
        public IScriptReply? Reply => Replies[0];

        /// <inheritdoc />
        public bool Equals(TaskFinished? other) =>
            other is not null && TaskId == other.TaskId && Next == other.Next && Reason == other.Reason && Replies.SequenceEqual(other.Replies);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(TaskId, Next, Reason, Replies.Count);
    }

    /// <summary>Worker to supervisor: its engine was replaced after a cut-off or suspect task; it is idle again.</summary>
    public sealed record WorkerAvailable;

    /// <summary>Worker to supervisor: it is leaving (make-before-break: start the replacement now).</summary>
    public sealed record WorkerRetiring(RetirementReason Reason);

    /// <summary>Engine thread to worker: the engine started (or failed to).</summary>
    public sealed record EngineStarted(Exception? Failure) : INotInfluenceReceiveTimeout;

    /// <summary>
    /// Engine thread to worker: it is done with <paramref name="Job"/> (every call answered, or it stopped early).
    /// <paramref name="Crash"/>: the engine failed in a way no failure kind covers (the worker is broken);
    /// <paramref name="Suspect"/> when the engine must be replaced before its next task.
    /// </summary>
    public sealed record EngineDone(EngineJob Job, bool Suspect, int LoadedModules, Exception? Crash) : INotInfluenceReceiveTimeout;

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
    public sealed record WorkerState(string State, string? TaskId, int TasksRun) : INotInfluenceReceiveTimeout
    {
        /// <summary>
        /// While running: the task whose call the engine thread is inside right now (null before it begins the
        /// job, between two calls, and after it ended). A job is handed to the engine thread before it begins, so a
        /// cut-off before then withdraws the call and the engine never enters it (docs/architecture.md).
        /// </summary>
        public string? OnEngine { get; init; }
    }
}
