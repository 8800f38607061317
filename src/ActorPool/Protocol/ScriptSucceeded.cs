namespace ActorPool.Protocol;

/// <summary>The task's function returned; <paramref name="ResultJson"/> is its value as JSON.</summary>
/// <param name="TaskId">The id of the task.</param>
/// <param name="ResultJson">The returned value serialized as JSON (<c>undefined</c> becomes <c>null</c>).</param>
public sealed record ScriptSucceeded(string TaskId, string ResultJson) : IScriptReply;
