using Akka.Actor;

namespace ActorPool.Protocol;

/// <summary>
/// Asks the pool to call <paramref name="Function"/> exported by module <paramref name="Module"/> with the
/// arguments in <paramref name="ArgsJson"/>. The sender receives exactly one <see cref="ScriptSucceeded"/> or
/// <see cref="ScriptFailed"/> carrying the same <paramref name="TaskId"/>.
/// </summary>
/// <param name="TaskId">Caller-chosen id, unique among the caller's tasks in flight; echoed by the reply.</param>
/// <param name="Module">Module name as the module source knows it (e.g. file name without extension).</param>
/// <param name="Function">Name of an exported function of the module.</param>
/// <param name="ArgsJson">A JSON array of arguments, e.g. <c>["abc", 3]</c>; empty means no arguments.</param>
/// <param name="Deadline">
/// Optional time budget measured from the moment the pool accepts the task: the task is answered within this
/// budget (plus the pool's grace period), and never starts after it. Null means the pool's own limits only.
/// </param>
/// <param name="Idempotent">True when the task may be retried on another node after a node loss.</param>
public sealed record RunScript(
    string TaskId,
    string Module,
    string Function,
    string ArgsJson,
    TimeSpan? Deadline = null,
    bool Idempotent = false) : IPoolCommand;

/// <summary>
/// Asks the pool to cancel a task: a queued task is removed, a running one is cut off. The original caller gets
/// <see cref="FailureKind.Cancelled"/>; an unknown or finished task id is ignored.
/// </summary>
/// <param name="TaskId">The id given in <see cref="RunScript.TaskId"/>.</param>
public sealed record CancelScript(string TaskId) : IPoolCommand;

/// <summary>Asks the pool for a <see cref="PoolStats"/> snapshot. Never postpones an in-flight timeout.</summary>
public sealed record GetPoolStats : IPoolCommand, INotInfluenceReceiveTimeout
{
    /// <summary>The single instance.</summary>
    public static GetPoolStats Instance { get; } = new();

    private GetPoolStats()
    {
    }
}

/// <summary>A message a caller sends to the pool.</summary>
public interface IPoolCommand : IPoolMessage;

/// <summary>A reply that settles a task: exactly one per <see cref="RunScript"/>.</summary>
public interface IScriptReply : IPoolMessage
{
    /// <summary>The id of the task this reply settles.</summary>
    string TaskId { get; }
}

/// <summary>The task's function returned; <paramref name="ResultJson"/> is its value as JSON.</summary>
/// <param name="TaskId">The id of the task.</param>
/// <param name="ResultJson">The returned value serialized as JSON (<c>undefined</c> becomes <c>null</c>).</param>
public sealed record ScriptSucceeded(string TaskId, string ResultJson) : IScriptReply;

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

/// <summary>
/// Asks the pool to shut down gracefully: stop accepting tasks, answer queued ones
/// <see cref="FailureKind.ShuttingDown"/>, let tasks in flight finish within <c>drain-timeout</c>, then answer
/// <see cref="PoolDrained"/>. Sent by the pool's CoordinatedShutdown task and by the facade.
/// </summary>
public sealed record DrainPool : IPoolCommand
{
    /// <summary>The single instance.</summary>
    public static DrainPool Instance { get; } = new();

    private DrainPool()
    {
    }
}

/// <summary>The answer to <see cref="DrainPool"/>: nothing is in flight any more.</summary>
/// <param name="Completed">Tasks that finished during the drain.</param>
/// <param name="CutOff">Tasks still running at the drain timeout, answered <see cref="FailureKind.ShuttingDown"/>.</param>
public sealed record PoolDrained(int Completed, int CutOff) : IPoolMessage;
