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

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When the supervisor answers the task itself if the worker has not.</summary>
    public DateTimeOffset BackstopAt { get; set; }

    public string TaskId => Command.TaskId;

    /// <summary>The task's <c>actorpool.task</c> span (Telemetry/TaskTracing.cs), null while tracing is off.</summary>
    public System.Diagnostics.Activity? Trace { get; init; }
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

    public PendingTask? Task { get; set; }

    /// <summary>Modules this worker's engine has loaded (for dispatch affinity).</summary>
    public HashSet<string> Modules { get; } = new(StringComparer.Ordinal);

    /// <summary>True once a replacement was started for it, so it is not replaced twice.</summary>
    public bool Replaced { get; set; }

    public bool HasBudget => Dispatched < Budget;
}
