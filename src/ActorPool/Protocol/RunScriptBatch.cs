namespace ActorPool.Protocol;

/// <summary>
/// Asks the pool to run many calls in one message. Each call is a <see cref="RunScript"/> of its own (own task
/// id, deadline, limits, cancel with <see cref="CancelScript"/>); the sender receives one
/// <see cref="ScriptBatchCompleted"/> once every call is settled, with one reply per call in call order. A
/// batch that cannot be read at all (bad id, too many calls) is answered with one <see cref="ScriptFailed"/>
/// carrying <paramref name="TaskId"/>.
/// </summary>
/// <remarks>
/// One reply for the whole batch (rather than one per call): the point of a batch is to pay one message, one
/// hop and one frame on the wire for many calls, in both directions; a caller that wants each answer as soon
/// as it is ready sends separate <see cref="RunScript"/> messages.
/// </remarks>
/// <param name="TaskId">Caller-chosen id of the batch, echoed by its reply; unique among the caller's tasks and batches in flight.</param>
/// <param name="Calls">The calls, at most <see cref="MaxCalls"/>; their task ids must be unique among tasks in flight.</param>
public sealed record RunScriptBatch(string TaskId, IReadOnlyList<RunScript> Calls) : IPoolCommand
{
    /// <summary>The most calls one batch may carry.</summary>
    public const int MaxCalls = 10_000;

    /// <inheritdoc />
    public bool Equals(RunScriptBatch? other) =>
        other is not null && TaskId == other.TaskId && Calls.SequenceEqual(other.Calls);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TaskId, Calls.Count);
}

/// <summary>The answer to a <see cref="RunScriptBatch"/>: one reply per call, in the order of the calls.</summary>
/// <param name="TaskId">The batch's id.</param>
/// <param name="Replies">A <see cref="ScriptSucceeded"/> or <see cref="ScriptFailed"/> per call, in call order.</param>
public sealed record ScriptBatchCompleted(string TaskId, IReadOnlyList<IScriptReply> Replies) : IScriptReply
{
    /// <inheritdoc />
    public bool Equals(ScriptBatchCompleted? other) =>
        other is not null && TaskId == other.TaskId && Replies.SequenceEqual(other.Replies);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TaskId, Replies.Count);
}
