using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool.Cluster;

/// <summary>
/// The facade of a <see cref="ClusterPoolRouter"/>: tasks go through a <see cref="ScriptPool"/> attached to the
/// router, and <see cref="GetClusterStateAsync"/> asks the router for the cluster's state. Batches run call by
/// call (the default <see cref="IScriptPool.RunBatchAsync"/>): the router routes calls by module, not whole batches.
/// </summary>
public sealed class ClusterScriptPool : IClusterScriptPool
{
    /// <summary>The router's default actor name: <c>script-router</c>.</summary>
    public const string DefaultName = "script-router";

    private readonly ScriptPool _pool;
    private readonly TimeSpan _stateTimeout;

    private ClusterScriptPool(ScriptPool pool, TimeSpan statsTimeout)
    {
        _pool = pool;
        // The router answers after it has heard from every node or waited StatsTimeout for them.
        _stateTimeout = statsTimeout + TimeSpan.FromSeconds(3);
    }

    /// <summary>The router actor, for code that sends it protocol messages itself.</summary>
    public IActorRef Router => _pool.Supervisor;

    /// <summary>Starts a <see cref="ClusterPoolRouter"/> named <paramref name="name"/> on <paramref name="system"/> and returns its facade.</summary>
    /// <param name="system">An actor system with the cluster provider.</param>
    /// <param name="options">The router's options; null takes the defaults.</param>
    /// <param name="name">The router's actor name.</param>
    public static ClusterScriptPool Start(ActorSystem system, ClusterPoolOptions? options = null, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(system);
        options ??= new ClusterPoolOptions();
        var router = system.ActorOf(ClusterPoolRouter.Props(options), name);
        return new ClusterScriptPool(ScriptPool.Attach(system, router), options.StatsTimeout);
    }

    /// <inheritdoc />
    public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        _pool.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken);

    /// <inheritdoc />
    public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        _pool.RunAsync(moduleName, functionName, args, deadline, cancellationToken);

    /// <summary>The totals of every routable worker node's pool.</summary>
    /// <inheritdoc />
    public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => _pool.GetStatsAsync(cancellationToken);

    /// <inheritdoc />
    public Task<ClusterPoolState> GetClusterStateAsync(CancellationToken cancellationToken = default) =>
        Router.Ask<ClusterPoolState>(GetClusterPoolState.Instance, _stateTimeout, cancellationToken);
}
