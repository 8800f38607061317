namespace ActorPool.Protocol;

/// <summary>
/// Asks the pool to cancel a task: a queued task is removed, a running one is cut off. The original caller gets
/// <see cref="FailureKind.Cancelled"/>; an unknown or finished task id is ignored.
/// </summary>
/// <param name="TaskId">The id given in <see cref="RunScript.TaskId"/>.</param>
public sealed record CancelScript(string TaskId) : IPoolCommand;
