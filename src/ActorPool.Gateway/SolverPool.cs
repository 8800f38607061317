using ActorPool.Cluster;
using ActorPool.Hosting;
using ActorPool.YouTube.Service;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPool.Gateway;

/// <summary>
/// The gateway's second pool. A pool has one engine kind, so the YouTube solvers run in a pool of their own,
/// on <c>SOLVER_ENGINE</c> (default V8), while generic scripts keep <c>ENGINE_KIND</c> (default Jint). Same worker
/// count (<c>MAX_THREADS</c>) and limits as the generic pool; modules: the solver module provider only. On a
/// cluster, worker nodes run both pools and a gateway node runs one router per pool (docs/gateway.md, "Pools").
/// </summary>
internal static class SolverPool
{
    /// <summary>The solver pool's name: its supervisor's actor name, the <c>pool</c> tag of its meters, its service key.</summary>
    public const string Name = "solver-pool";

    /// <summary>What each pool serves, as <c>/v1/pool</c> lists it.</summary>
    public const string ServesScripts = "scripts";

    /// <inheritdoc cref="ServesScripts"/>
    public const string ServesSolvers = "youtube-solvers";

    /// <summary>The name of the solver pools' router on a gateway node (its actor name and registry name).</summary>
    public const string RouterName = "solver-router";

    /// <summary>Starts the solver pool (standalone and worker nodes) and its router (gateway nodes) with the actor system.</summary>
    public static void Start(AkkaConfigurationBuilder akka, ClusterNodeSettings cluster, GatewaySettings settings, SolverModuleProvider? solvers)
    {
        if (solvers is not null)
        {
            akka.WithScriptPool(settings.Pool.OverriddenBy(new ScriptPoolOptions { Name = Name, ModuleSource = solvers, EngineKind = settings.SolverEngine }));
        }

        if (cluster.IsGateway)
        {
            // Its own readiness check too: a gateway is ready for yt-cipher requests once a worker's solver pool is routable.
            akka.WithClusterScriptRouter(new ClusterPoolOptions { PoolName = Name }, RouterName);
        }
    }

    /// <summary>
    /// Registers the solver pool's <see cref="IScriptPool"/> under the service key <see cref="Name"/>: the local
    /// solver pool, or on a gateway node the router to the worker nodes' solver pools.
    /// </summary>
    public static void AddFacade(IServiceCollection services, ClusterNodeSettings cluster)
    {
        if (cluster.IsGateway)
        {
            services.AddKeyedScriptPoolFacade(RouterName);
            services.AddKeyedSingleton<IScriptPool>(Name, (sp, _) => sp.GetRequiredKeyedService<IScriptPool>(RouterName));
        }
        else
        {
            services.AddKeyedScriptPoolFacade(Name);
        }
    }

    /// <summary>The generic pool (named <paramref name="scriptsName"/>, engine kind <paramref name="scriptsEngine"/>) and the solver pool.</summary>
    public static GatewayPools Pools(GatewaySettings settings, string scriptsName, string scriptsEngine) => new(
    [
        new GatewayPool(scriptsName, ServesScripts, scriptsEngine, sp => sp.GetRequiredService<IScriptPool>(), sp => sp.GetService<IClusterScriptPool>()),
        new GatewayPool(Name, ServesSolvers, settings.SolverEngine, Of, sp => ScriptPoolRegistry.For(sp.GetRequiredService<ActorSystem>()).TryGet(RouterName) as IClusterScriptPool),
    ]);

    /// <summary>The solver pool's <see cref="IScriptPool"/>.</summary>
    public static IScriptPool Of(IServiceProvider services) => services.GetRequiredKeyedService<IScriptPool>(Name);
}

/// <summary>The pools this process serves, by name, with what each serves and the engine kind asked for it.</summary>
/// <param name="Pools">Generic scripts first (its state is also the top level of <c>/v1/pool</c>), then the solvers.</param>
internal sealed record GatewayPools(IReadOnlyList<GatewayPool> Pools);

/// <summary>One pool of <see cref="GatewayPools"/>.</summary>
/// <param name="Name">The pool's name.</param>
/// <param name="Serves">What it serves (<see cref="SolverPool.ServesScripts"/>, <see cref="SolverPool.ServesSolvers"/>).</param>
/// <param name="RequestedEngine">The engine kind asked for; the pool's stats say which one serves.</param>
/// <param name="Pool">Its facade.</param>
/// <param name="Router">Its cluster router's facade on a gateway node, else null.</param>
internal sealed record GatewayPool(string Name, string Serves, string RequestedEngine, Func<IServiceProvider, IScriptPool> Pool, Func<IServiceProvider, IClusterScriptPool?> Router);
