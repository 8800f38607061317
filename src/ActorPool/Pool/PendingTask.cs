using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool.Pool;

/// <summary>A task the supervisor has accepted and not yet answered. Supervisor-only, mutable.</summary>
internal sealed class PendingTask(RunScript command, IActorRef replyTo, DateTimeOffset acceptedAt)
{
    public RunScript Command { get; } = command;

    public IActorRef ReplyTo { get; } = replyTo;

    public DateTimeOffset AcceptedAt { get; } = acceptedAt;

    /// <summary>When the caller's deadline runs out, if it gave one.</summary>
    public DateTimeOffset? DeadlineAt { get; } = command.Deadline is { } d ? acceptedAt + d : null;

    public LinkedListNode<PendingTask>? QueueNode { get; set; }

    public WorkerSlot? Worker { get; set; }

    /// <summary>The ticket of its current hand-over to a worker (null while queued).</summary>
    public Workers.TaskTicket? Ticket { get; set; }

    /// <summary>When the task may no longer start: its queue age limit or its caller's deadline, whichever is first.</summary>
    public DateTimeOffset ExpiresAt(TimeSpan maxTaskAge) =>
        DeadlineAt is { } deadline && deadline < AcceptedAt + maxTaskAge ? deadline : AcceptedAt + maxTaskAge;

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When the supervisor answers the task itself if the worker has not.</summary>
    public DateTimeOffset BackstopAt { get; set; }

    public string TaskId => Command.TaskId;

    /// <summary>The task's <c>actorpool.task</c> span (Telemetry/TaskTracing.cs), null while tracing is off.</summary>
    public System.Diagnostics.Activity? Trace { get; init; }

    /// <summary>The batch this task is a call of, if any; its reply goes there.</summary>
    public BatchReplies? Batch { get; init; }

    /// <summary>The call's position in <see cref="Batch"/>.</summary>
    public int BatchIndex { get; init; }
}

/// <summary>The replies of one <see cref="RunScriptBatch"/> collected so far. Supervisor-only, mutable.</summary>
internal sealed class BatchReplies(string taskId, IActorRef replyTo, int count)
{
    private readonly IScriptReply?[] _replies = new IScriptReply?[count];
    private int _missing = count;

    public string TaskId { get; } = taskId;

    public IActorRef ReplyTo { get; } = replyTo;

    /// <summary>Records the reply of call <paramref name="index"/>; true when it was the last one missing.</summary>
    public bool Set(int index, IScriptReply reply)
    {
        if (_replies[index] is not null)
        {
            return false;
        }

        _replies[index] = reply;
        return --_missing == 0;
    }

    public IReadOnlyList<IScriptReply> Replies => _replies!;
}

/// <summary>The lifecycle state of a worker, as its supervisor tracks it.</summary>
internal enum SlotState
{
    Starting,
    Idle,
    Busy,
    Recovering,
    Retiring,
}

/// <summary>The supervisor's record of one worker. Supervisor-only, mutable.</summary>
internal sealed class WorkerSlot(IActorRef worker, int budget)
{
    public IActorRef Worker { get; } = worker;

    /// <summary>Tasks this worker may run in its life (with jitter).</summary>
    public int Budget { get; } = budget;

    /// <summary>Tasks handed to it so far; never exceeds <see cref="Budget"/>.</summary>
    public int Dispatched { get; set; }

    public SlotState State { get; set; } = SlotState.Starting;

    /// <summary>The task it runs.</summary>
    public PendingTask? Task { get; set; }

    /// <summary>The task it holds to start right after <see cref="Task"/> (pipelining), if any.</summary>
    public PendingTask? Held { get; set; }

    /// <summary>Modules this worker's engine has loaded (for dispatch affinity).</summary>
    public HashSet<string> Modules { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True once a replacement was started for it (it retires, its engine recovers, or it runs its last
    /// task), so it no longer counts towards the target and is not replaced twice.
    /// </summary>
    public bool Replaced { get; set; }

    public bool HasBudget => Dispatched < Budget;

    /// <summary>When it was spawned (its engine start time feeds the respawn-ahead estimate).</summary>
    public DateTimeOffset SpawnedAt { get; init; }

    /// <summary>
    /// Its successor, started ahead of the end of its budget so that the successor's engine is ready when it
    /// leaves; while the successor starts, this worker keeps serving. Null until then.
    /// </summary>
    public WorkerSlot? Successor { get; set; }

    /// <summary>For a successor: the worker it takes over from, while that one still serves.</summary>
    public WorkerSlot? Predecessor { get; set; }

    /// <summary>A successor whose engine is ready, waiting (counted as starting) for its predecessor to leave.</summary>
    public bool Standby { get; set; }
}
