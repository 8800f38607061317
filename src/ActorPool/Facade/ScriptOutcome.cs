namespace ActorPool;

/// <summary>The outcome of one call of a batch: its result, or the exception a single call would have thrown.</summary>
/// <param name="Result">The function's result; null when the call failed.</param>
/// <param name="Error">Why the call failed; null when it succeeded.</param>
public sealed record ScriptOutcome(ScriptResult? Result, ScriptPoolException? Error)
{
    /// <summary>True when the call returned a result.</summary>
    public bool Succeeded => Error is null;

    /// <summary>The result, or throws <see cref="Error"/>.</summary>
    /// <exception cref="ScriptPoolException">The call failed.</exception>
    public ScriptResult GetResult() => Result ?? throw Error!;
}
