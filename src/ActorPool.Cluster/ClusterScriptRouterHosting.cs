using ActorPool.Hosting;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorPool.Cluster;

/// <summary>
/// Hosting for gateway nodes: a <see cref="ClusterPoolRouter"/> started with the actor system and made injectable
/// as <see cref="IScriptPool"/> and <see cref="IClusterScriptPool"/>. The same shape as
/// <see cref="ScriptPoolServiceCollectionExtensions.AddScriptPool(IServiceCollection, string, ScriptPoolOptions, Action{AkkaConfigurationBuilder, IServiceProvider}?)"/>
/// and for the same reason: Akka.Hosting's builder keeps its service collection internal, so the one call that
/// wires both is a service-collection extension.
/// </summary>
public static class ClusterScriptRouterHosting
{
    /// <summary>
    /// Adds an actor system named <paramref name="actorSystemName"/> that starts a cluster router (see
    /// <see cref="WithClusterScriptRouter"/>) and registers <see cref="IScriptPool"/> and
    /// <see cref="IClusterScriptPool"/> for it. Configure the cluster itself (HOCON, seeds, roles) in
    /// <paramref name="configureAkka"/>; a node that is also a worker adds its pool there with <c>WithScriptPool</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="actorSystemName">The actor system's name.</param>
    /// <param name="options">The router's options; null takes the defaults.</param>
    /// <param name="configureAkka">Further configuration of the actor system (cluster HOCON, logging, a pool on combined nodes, more routers), applied after the router is added, so this router starts first and keeps the <see cref="ClusterPoolRouter"/> registry key.</param>
    /// <param name="name">The router's actor name.</param>
    public static IServiceCollection AddClusterScriptRouter(this IServiceCollection services, string actorSystemName, ClusterPoolOptions? options = null, Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null, string name = ClusterScriptPool.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorSystemName);
        services.AddAkka(actorSystemName, (akka, provider) =>
        {
            // This one first: it keeps the registry key, and what configureAkka adds (more pools) starts after it.
            akka.WithClusterScriptRouter(options, name);
            configureAkka?.Invoke(akka, provider);
        });
        services.TryAddSingleton<IClusterScriptPool>(sp => new HostedClusterScriptPool(sp.GetRequiredService<ActorSystem>(), name));
        services.TryAddSingleton<IScriptPool>(sp => sp.GetRequiredService<IClusterScriptPool>());
        return services;
    }

    /// <summary>
    /// Starts a <see cref="ClusterPoolRouter"/> named <paramref name="name"/> when the actor system starts, registers
    /// it in the <see cref="ActorRegistry"/> under <see cref="ClusterPoolRouter"/>, its facade in the
    /// <see cref="ScriptPoolRegistry"/>, and a readiness health check (tag
    /// <see cref="AkkaScriptPoolExtensions.ReadyTag"/>) that is healthy while at least one worker node is routable.
    /// For hosts that call <c>AddAkka</c> themselves; they add <c>services.AddScriptPoolFacade(name)</c> for an
    /// injectable <see cref="IScriptPool"/>, or use <see cref="AddClusterScriptRouter"/> instead.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="options">The router's options; null takes the defaults.</param>
    /// <param name="name">The router's actor name.</param>
    public static AkkaConfigurationBuilder WithClusterScriptRouter(this AkkaConfigurationBuilder builder, ClusterPoolOptions? options = null, string name = ClusterScriptPool.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithActors((system, registry, resolver) =>
        {
            var pools = ScriptPoolRegistry.For(system);
            try
            {
                var router = ClusterScriptPool.Start(system, options, name);
                // The first router started keeps the registry key (a node may run one router per pool).
                registry.TryRegister<ClusterPoolRouter>(router.Router);
                pools.Started(name, router);
                AkkaScriptPoolExtensions.WarnIfNotInjectable(system, resolver, name);
            }
            catch (Exception ex)
            {
                pools.Failed(name, ex);
                throw;
            }
        });
        builder.WithHealthCheck(
            "actorpool-cluster-" + name,
            (system, _, cancellationToken) => CheckReadyAsync(system, name, options?.WorkerRole ?? new ClusterPoolOptions().WorkerRole, cancellationToken),
            HealthStatus.Unhealthy,
            [AkkaScriptPoolExtensions.ReadyTag]);
        return builder;
    }

    private static async Task<HealthCheckResult> CheckReadyAsync(ActorSystem system, string name, string workerRole, CancellationToken cancellationToken)
    {
        if (ScriptPoolRegistry.For(system).TryGet(name) is not IClusterScriptPool router)
        {
            return HealthCheckResult.Unhealthy($"the cluster router '{name}' has not started");
        }

        var state = await router.GetClusterStateAsync(cancellationToken).ConfigureAwait(false);
        var routable = state.Members.Count(m => m.Routable);
        return routable > 0
            ? HealthCheckResult.Healthy($"{routable} worker node(s) reachable")
            : HealthCheckResult.Unhealthy($"no reachable node with role {workerRole} runs a pool");
    }

    /// <summary>The injected facade: forwards to the router registered under its name, waiting for the actor system's start.</summary>
    private sealed class HostedClusterScriptPool(ActorSystem system, string name) : IClusterScriptPool
    {
        private readonly HostedScriptPool _hosted = new(system, name);

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            _hosted.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken);

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            _hosted.RunAsync(moduleName, functionName, args, deadline, cancellationToken);

        public Task<Protocol.PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => _hosted.GetStatsAsync(cancellationToken);

        public Task<IReadOnlyList<ScriptOutcome>> RunBatchAsync(IReadOnlyList<ScriptCall> calls, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            _hosted.RunBatchAsync(calls, deadline, cancellationToken);

        public async Task<ClusterPoolState> GetClusterStateAsync(CancellationToken cancellationToken = default)
        {
            var pool = await _hosted.GetAsync(cancellationToken).ConfigureAwait(false);
            return pool is IClusterScriptPool router
                ? await router.GetClusterStateAsync(cancellationToken).ConfigureAwait(false)
                : throw new InvalidOperationException($"'{name}' is a script pool, not a cluster router; register it with WithClusterScriptRouter");
        }
    }
}
