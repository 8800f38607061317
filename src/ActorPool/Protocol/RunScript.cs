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
    bool Idempotent = false) : IPoolCommand
{
    /// <summary>
    /// The caller's W3C <c>traceparent</c> (e.g. <c>00-&lt;trace id&gt;-&lt;span id&gt;-01</c>), or null. The pool
    /// starts the task's span as its child, so a trace crosses remoting; an invalid value is ignored.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The caller's W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>, or null.</summary>
    public string? TraceState { get; init; }
}
