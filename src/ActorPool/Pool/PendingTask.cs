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

    /// <summary>The worker it was handed to (null while queued).</summary>
    public WorkerSlot? Worker { get; set; }

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
