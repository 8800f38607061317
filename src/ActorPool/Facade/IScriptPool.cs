using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool;

/// <summary>
/// A pool of JavaScript workers, seen from .NET code. Every call gets exactly one outcome: a result, or a
/// <see cref="ScriptPoolException"/> whose <see cref="ScriptPoolException.Kind"/> says why. Completions never
/// run caller code on a pool thread. The interface exposes no actor reference, so callers depend on this contract
/// only; the concrete <see cref="ScriptPool"/> still offers <see cref="ScriptPool.Supervisor"/> for code that
/// sends protocol messages itself.
/// </summary>
public interface IScriptPool
{
    /// <summary>Calls <paramref name="functionName"/> of <paramref name="moduleName"/> with a JSON array of arguments.</summary>
    /// <param name="moduleName">The module name.</param>
    /// <param name="functionName">An exported function of the module.</param>
    /// <param name="argsJson">A JSON array, e.g. <c>["abc", 1]</c>; <c>"[]"</c> for none.</param>
    /// <param name="deadline">Optional time budget from now: the task is answered within it (plus grace) and never starts after it.</param>
    /// <param name="cancellationToken">Cancels the task: removed from the queue, or cut off while running.</param>
    /// <returns>The function's result as JSON.</returns>
    /// <exception cref="ScriptPoolException">The task failed; the derived type and <see cref="ScriptPoolException.Kind"/> say why.</exception>
    Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default);

    /// <summary>Like <see cref="RunAsync(string, string, string, TimeSpan?, CancellationToken)"/>, serializing <paramref name="args"/> with System.Text.Json.</summary>
    /// <exception cref="ScriptPoolException">The task failed.</exception>
    Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs many calls as one message (one hop to the pool and one reply back, also across nodes) and returns
    /// one outcome per call, in call order. Each call is a task of its own: its own limits, and
    /// <paramref name="deadline"/> applies to each. The default implementation runs the calls one by one
    /// through <see cref="RunAsync(string, string, string, TimeSpan?, CancellationToken)"/>, all at once.
    /// </summary>
    /// <param name="calls">The calls, at most <see cref="RunScriptBatch.MaxCalls"/>.</param>
    /// <param name="deadline">Optional time budget from now for each call.</param>
    /// <param name="cancellationToken">Cancels every call not yet answered.</param>
    /// <returns>One outcome per call, in the order of <paramref name="calls"/>.</returns>
    /// <exception cref="ScriptPoolException">The batch as a whole was refused (e.g. too many calls) or the pool is gone.</exception>
    async Task<IReadOnlyList<ScriptOutcome>> RunBatchAsync(IReadOnlyList<ScriptCall> calls, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var running = calls.Select(call => RunAsync(call.Module, call.Function, call.ArgsJson, deadline, cancellationToken)).ToList();
        var outcomes = new ScriptOutcome[calls.Count];
        for (var i = 0; i < running.Count; i++)
        {
            try
            {
                outcomes[i] = new ScriptOutcome(await running[i].ConfigureAwait(false), null);
            }
            catch (ScriptPoolException ex)
            {
                outcomes[i] = new ScriptOutcome(null, ex);
            }
        }

        return outcomes;
    }

    /// <summary>Returns a snapshot of the pool's state.</summary>
    /// <exception cref="ScriptPoolException">
    /// The supervisor is gone (kind <see cref="FailureKind.WorkerCrashed"/>); thrown as soon as that is known, not after a timeout.
    /// </exception>
    /// <exception cref="AskTimeoutException">The supervisor did not answer within 10 seconds.</exception>
    Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default);
}
