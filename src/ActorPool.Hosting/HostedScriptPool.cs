using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool.Hosting;

/// <summary>
/// The <see cref="IScriptPool"/> that dependency injection hands out: it forwards to the pool (or cluster router)
/// registered under its name in the <see cref="ScriptPoolRegistry"/> when the actor system starts, and waits for
/// that start when called early.
/// </summary>
internal sealed class HostedScriptPool(ActorSystem system, string name) : IScriptPool
{
    private readonly ScriptPoolRegistry _registry = ScriptPoolRegistry.For(system);

    public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        // Once the pool has started (every call but the first few), no await of ours between caller and pool.
        _registry.TryGet(name) is { } started
            ? started.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken)
            : RunWhenStartedAsync(moduleName, functionName, argsJson, deadline, cancellationToken);

    private async Task<ScriptResult> RunWhenStartedAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        var pool = await GetAsync(cancellationToken).ConfigureAwait(false);
        return await pool.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var pool = await GetAsync(cancellationToken).ConfigureAwait(false);
        return await pool.RunAsync(moduleName, functionName, args, deadline, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var pool = await GetAsync(cancellationToken).ConfigureAwait(false);
        return await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScriptOutcome>> RunBatchAsync(IReadOnlyList<ScriptCall> calls, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var pool = await GetAsync(cancellationToken).ConfigureAwait(false);
        return await pool.RunBatchAsync(calls, deadline, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The started pool; waits for the actor system's start, faults when the pool's start failed.</summary>
    internal async Task<IScriptPool> GetAsync(CancellationToken cancellationToken) =>
        _registry.TryGet(name) ?? await _registry.WhenStarted(name).WaitAsync(cancellationToken).ConfigureAwait(false);
}
