using System.Text.RegularExpressions;
using ActorPool.Modules;
using ActorPool.Protocol;
using Jint;
using Jint.Runtime;

namespace ActorPool.Engines;

/// <summary>What a failed call means for the caller and for the engine that ran it.</summary>
/// <param name="Kind">The failure kind the caller receives.</param>
/// <param name="Message">A human-readable message.</param>
/// <param name="Details">The JavaScript stack, where there is one.</param>
/// <param name="Limit">The limit that was hit, for <see cref="FailureKind.LimitExceeded"/>.</param>
/// <param name="EngineSuspect">True when the call was cut off mid-way, so the engine is replaced before reuse.</param>
internal readonly record struct EngineFailure(FailureKind Kind, string Message, string? Details, LimitKind Limit, bool EngineSuspect);

/// <summary>
/// Maps exceptions from an engine call to the failure kinds a caller sees (<see cref="FailureKind"/>), and says
/// whether the engine must be replaced before it runs another task.
/// </summary>
internal static class EngineFailures
{
    /// <summary>
    /// Maps <paramref name="exception"/>; returns null for exceptions that mean the worker itself is broken
    /// (they escape the worker and go to its supervisor).
    /// </summary>
    public static EngineFailure? Map(Exception exception, EngineLimitsDescription limits)
    {
        switch (exception)
        {
            case JavaScriptException js:
                return new EngineFailure(FailureKind.ScriptError, js.Message, js.JavaScriptStackTrace, LimitKind.None, false);
            case PromiseRejectedException rejected:
                // An async function that threw: the same failure as a synchronous throw.
                return new EngineFailure(FailureKind.ScriptError, RejectionText(rejected.RejectedValue, "message"), RejectionStack(rejected.RejectedValue), LimitKind.None, false);
            case InvalidOperationException when exception.Source == "Jint" && exception.Message.StartsWith("Module loading has been disabled", StringComparison.Ordinal):
                // A module that imports another module: Jint's loader refuses while the module loads (engines
                // load modules by name from the catalog; scripts cannot import). Its half-loaded module stays in
                // the engine, so the engine is replaced.
                return new EngineFailure(FailureKind.ScriptError, $"a module cannot import other modules: {exception.Message}", null, LimitKind.None, true);
            case ScriptErrorException script:
                return new EngineFailure(FailureKind.ScriptError, script.Message, script.JavaScriptStack, LimitKind.None, false);
            case MemoryLimitExceededException:
                return Limit(LimitKind.Memory, limits);
            case RecursionDepthOverflowException:
                return Limit(LimitKind.Recursion, limits);
            case NativeStackExhaustedException:
                return new EngineFailure(FailureKind.LimitExceeded, $"the script recursed through accessors, coercions or callbacks until the engine thread's stack ran out, within the call depth limit of {limits.Recursion} (actor-pool.engine.recursion-limit, actor-pool.engine.thread-stack-size)", null, LimitKind.Recursion, true);
            case StatementsCountOverflowException:
                return Limit(LimitKind.Statements, limits);
            case RegexMatchTimeoutException:
                return Limit(LimitKind.RegexTimeout, limits);
            case EngineLimitExceededException { Limit: not LimitKind.None and not LimitKind.Time } limit:
                return Limit(limit.Limit, limits);
            case ExecutionCanceledException or OperationCanceledException:
                return new EngineFailure(FailureKind.Cancelled, "the task was cancelled", null, LimitKind.None, true);
            case TimeoutException:
                return new EngineFailure(FailureKind.Timeout, $"the script ran longer than the engine time limit of {limits.Time} (actor-pool.engine.time-limit)", null, LimitKind.Time, true);
            case ModuleLoadException { Failure: ModuleLoadFailure.NotFound } notFound:
                return new EngineFailure(FailureKind.ModuleNotFound, notFound.Message, null, LimitKind.None, false);
            case ModuleLoadException load:
                // A module whose top level threw may have left partial state in this engine.
                return new EngineFailure(FailureKind.ScriptError, load.Message, StackOf(load.InnerException), LimitKind.None, load.Failure == ModuleLoadFailure.EvaluationError);
            case FunctionNotFoundException:
                return new EngineFailure(FailureKind.ModuleNotFound, exception.Message, null, LimitKind.None, false);
            case InvalidArgumentsException:
                return new EngineFailure(FailureKind.InvalidRequest, exception.Message, null, LimitKind.None, false);
            case ResultNotSerializableException:
                return new EngineFailure(FailureKind.ScriptError, exception.Message, null, LimitKind.None, false);
            default:
                return exception.InnerException is { } inner && exception is Jint.JintException or InvalidOperationException
                    ? Map(inner, limits)
                    : null;
        }
    }

    /// <summary>The failure of a call that hit <paramref name="kind"/>; every engine reports a limit with this message.</summary>
    private static EngineFailure Limit(LimitKind kind, EngineLimitsDescription limits)
    {
        var message = kind switch
        {
            LimitKind.Memory => $"the script exceeded the memory limit of {limits.Memory} (actor-pool.engine.memory-limit)",
            LimitKind.Recursion => $"the script exceeded the call depth limit of {limits.Recursion} (actor-pool.engine.recursion-limit)",
            LimitKind.Statements => $"the script exceeded the statement limit of {limits.Statements} (actor-pool.engine.max-statements)",
            _ => $"a regular expression ran longer than {limits.RegexTimeout} (actor-pool.engine.regex-timeout)",
        };
        return new EngineFailure(FailureKind.LimitExceeded, message, null, kind, true);
    }

    private static string RejectionText(Jint.Native.JsValue value, string property) =>
        value is Jint.Native.Object.ObjectInstance error && error.Get(property) is { } text && text.IsString() ? text.AsString() : value.ToString();

    private static string? RejectionStack(Jint.Native.JsValue value) =>
        value is Jint.Native.Object.ObjectInstance error && error.Get("stack") is { } stack && stack.IsString() ? stack.AsString() : null;

    private static string? StackOf(Exception? exception) => exception switch
    {
        JavaScriptException js => js.JavaScriptStackTrace,
        ScriptErrorException script => script.JavaScriptStack,
        _ => null,
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
