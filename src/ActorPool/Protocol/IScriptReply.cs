namespace ActorPool.Protocol;

/// <summary>A reply that settles a task: exactly one per <see cref="RunScript"/>.</summary>
public interface IScriptReply : IPoolMessage
{
    /// <summary>The id of the task this reply settles.</summary>
    string TaskId { get; }
}
