using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool.Hosting;

/// <summary>
/// The <see cref="IScriptPool"/> that dependency injection hands out: it forwards to the pool that
/// <c>WithScriptPool</c> starts with the actor system, and waits for that start when called early.
/// </summary>
internal sealed class HostedScriptPool(ActorSystem system, string name) : IScriptPool
{
    private readonly ScriptPoolRegistry _registry = ScriptPoolRegistry.For(system);

    public IActorRef Supervisor => Pool.Supervisor;

    private ScriptPool Pool => _registry.TryGet(name)
        ?? throw new InvalidOperationException($"The script pool '{name}' has not started yet; it starts with the actor system (host StartAsync).");

    public async Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var pool = _registry.TryGet(name) ?? await _registry.WhenStarted(name).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await pool.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var pool = _registry.TryGet(name) ?? await _registry.WhenStarted(name).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await pool.RunAsync(moduleName, functionName, args, deadline, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var pool = _registry.TryGet(name) ?? await _registry.WhenStarted(name).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false);
    }
}
