namespace ActorPool.Protocol;

/// <summary>The task failed; <paramref name="Kind"/> says why and <paramref name="Message"/> says what to do.</summary>
/// <param name="TaskId">The id of the task.</param>
/// <param name="Kind">The failure kind.</param>
/// <param name="Message">A human-readable message.</param>
/// <param name="Details">Extra detail, such as the JavaScript stack of a script error; may be null.</param>
/// <param name="Limit">Which limit was hit, for <see cref="FailureKind.LimitExceeded"/>.</param>
public sealed record ScriptFailed(
    string TaskId,
    FailureKind Kind,
    string Message,
    string? Details = null,
    LimitKind Limit = LimitKind.None) : IScriptReply
{
    /// <summary>
    /// The <see cref="Details"/> of a failure whose task never started (it was still queued), e.g. the
    /// <see cref="FailureKind.ShuttingDown"/> answers of a drain: such a task is safe to send to another pool.
    /// </summary>
    public const string NeverStarted = "never-started";

    /// <summary>True when the pool says the task never started.</summary>
    public bool TaskNeverStarted => Details == NeverStarted;
}
