using ActorPool.Modules;
using ActorPool.Protocol;

namespace ActorPool.Engines;

/// <summary>What a failed call means for the caller and for the engine that ran it.</summary>
/// <param name="Kind">The failure kind the caller receives.</param>
/// <param name="Message">A human-readable message.</param>
/// <param name="Details">The JavaScript stack, where there is one.</param>
/// <param name="Limit">The limit that was hit, for <see cref="FailureKind.LimitExceeded"/>.</param>
/// <param name="EngineSuspect">True when the call was cut off mid-way, so the engine is replaced before reuse.</param>
internal readonly record struct EngineFailure(FailureKind Kind, string Message, string? Details, LimitKind Limit, bool EngineSuspect);

/// <summary>
/// Maps the seam's exceptions from an engine call (the failure contract documented on <see cref="IScriptEngine"/>)
/// to the failure kinds a caller sees (<see cref="FailureKind"/>), and says whether the engine must be replaced
/// before it runs another task. Engine-neutral: each engine translates its own exceptions into the seam's types.
/// </summary>
internal static class EngineFailures
{
    /// <summary>
    /// Maps <paramref name="exception"/>; returns null for exceptions outside the seam's contract, which mean the
    /// engine (and so the worker) is broken: they escape the worker and go to its supervisor.
    /// </summary>
    public static EngineFailure? Map(Exception exception, EngineLimitsDescription limits) => exception switch
    {
        ScriptErrorException script => new EngineFailure(FailureKind.ScriptError, script.Message, script.JavaScriptStack, LimitKind.None, false),
        EngineLimitExceededException { Limit: not LimitKind.None and not LimitKind.Time } limit =>
            new EngineFailure(FailureKind.LimitExceeded, limit.HasEngineMessage ? limit.Message : LimitMessage(limit.Limit, limits), null, limit.Limit, !limit.EngineReusable),
        OperationCanceledException => new EngineFailure(FailureKind.Cancelled, "the task was cancelled", null, LimitKind.None, true),
        TimeoutException => new EngineFailure(FailureKind.Timeout, $"the script ran longer than the engine time limit of {limits.Time} (actor-pool.engine.time-limit)", null, LimitKind.Time, true),
        ModuleLoadException { Failure: ModuleLoadFailure.NotFound } notFound => new EngineFailure(FailureKind.ModuleNotFound, notFound.Message, null, LimitKind.None, false),
        // A module whose top level threw (or did not link) may have left partial state in this engine.
        ModuleLoadException load => new EngineFailure(FailureKind.ScriptError, load.Message, (load.InnerException as ScriptErrorException)?.JavaScriptStack, LimitKind.None, load.Failure == ModuleLoadFailure.EvaluationError),
        FunctionNotFoundException => new EngineFailure(FailureKind.ModuleNotFound, exception.Message, null, LimitKind.None, false),
        InvalidArgumentsException => new EngineFailure(FailureKind.InvalidRequest, exception.Message, null, LimitKind.None, false),
        ResultNotSerializableException => new EngineFailure(FailureKind.ScriptError, exception.Message, null, LimitKind.None, false),
        _ => null,
    };

    /// <summary>The message of a call that hit <paramref name="kind"/>; every engine reports a limit with this message.</summary>
    private static string LimitMessage(LimitKind kind, EngineLimitsDescription limits) => kind switch
    {
        LimitKind.Memory => $"the script exceeded the memory limit of {limits.Memory} (actor-pool.engine.memory-limit)",
        LimitKind.Recursion => $"the script exceeded the call depth limit of {limits.Recursion} (actor-pool.engine.recursion-limit)",
        LimitKind.Statements => $"the script exceeded the statement limit of {limits.Statements} (actor-pool.engine.max-statements)",
        _ => $"a regular expression ran longer than {limits.RegexTimeout} (actor-pool.engine.regex-timeout)",
    };
}

/// <summary>The configured limits, as text for failure messages.</summary>
internal sealed record EngineLimitsDescription(string Memory, string Recursion, string Statements, string RegexTimeout, string Time)
{
    public static EngineLimitsDescription From(Configuration.EngineLimits limits) => new(
        limits.MemoryLimitBytes > 0 ? $"{limits.MemoryLimitBytes / (1024.0 * 1024.0):0.#} MiB" : "off",
        limits.RecursionLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        limits.MaxStatements > 0 ? limits.MaxStatements.ToString(System.Globalization.CultureInfo.InvariantCulture) : "off",
        limits.RegexTimeout.ToString(),
        limits.TimeLimit > TimeSpan.Zero ? limits.TimeLimit.ToString() : "off");
}
