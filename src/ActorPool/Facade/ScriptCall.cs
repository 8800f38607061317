namespace ActorPool;

/// <summary>One call of a batch (<see cref="IScriptPool.RunBatchAsync"/>).</summary>
/// <param name="Module">The module name.</param>
/// <param name="Function">An exported function of the module.</param>
/// <param name="ArgsJson">A JSON array of arguments, e.g. <c>["abc", 1]</c>; <c>"[]"</c> for none.</param>
public sealed record ScriptCall(string Module, string Function, string ArgsJson);
