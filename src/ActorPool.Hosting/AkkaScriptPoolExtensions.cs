using System.Diagnostics.Metrics;
using System.Globalization;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Telemetry;
using Akka.Actor;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorPool.Hosting;

/// <summary>
/// <see cref="AkkaConfigurationBuilder"/> extensions that start an ActorPool with the actor system. The builder
/// cannot register services, so hosts that call <c>AddAkka</c> themselves add
/// <see cref="ScriptPoolServiceCollectionExtensions.AddScriptPoolFacade"/>; <c>services.AddScriptPool(...)</c> does
/// both in one call.
/// Precedence of configuration, highest first: options set in code, the <c>IConfiguration</c> section
/// <c>ActorPool</c> (appsettings, environment), HOCON added to the builder, the embedded <c>reference.conf</c>.
/// </summary>
public static class AkkaScriptPoolExtensions
{
    /// <summary>The health check tag of the pool's readiness check.</summary>
    public const string ReadyTag = "ready";

    private const string PhaseTimeoutKey = "akka.coordinated-shutdown.phases.service-requests-done.timeout";

    /// <summary>Starts a pool over the modules in <paramref name="modulesDirectory"/>.</summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="modulesDirectory">Directory of <c>.mjs</c>/<c>.js</c> modules; relative paths are taken from the app's base directory.</param>
    /// <param name="workers">Worker count; null keeps the configured value (default one per core).</param>
    /// <param name="name">The supervisor's actor name (default <c>script-pool</c>).</param>
    public static AkkaConfigurationBuilder WithScriptPool(this AkkaConfigurationBuilder builder, string modulesDirectory, int? workers = null, string? name = null) =>
        builder.WithScriptPool(new ScriptPoolOptions { ModulesDirectory = modulesDirectory, Workers = workers, Name = name });

    /// <summary>Starts a pool configured by <paramref name="configure"/>.</summary>
    public static AkkaConfigurationBuilder WithScriptPool(this AkkaConfigurationBuilder builder, Action<ScriptPoolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ScriptPoolOptions();
        configure(options);
        return builder.WithScriptPool(options);
    }

    /// <summary>
    /// Starts a pool with <paramref name="options"/> when the actor system starts, registers its supervisor in the
    /// <see cref="ActorRegistry"/> under <see cref="ScriptPoolSupervisor"/> (the first pool of the system only), its facade in the
    /// <see cref="ScriptPoolRegistry"/>, and a readiness health check tagged <see cref="ReadyTag"/>. Invalid
    /// configuration fails the start with one <see cref="PoolConfigurationException"/> naming every bad key.
    /// </summary>
    public static AkkaConfigurationBuilder WithScriptPool(this AkkaConfigurationBuilder builder, ScriptPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var name = options.EffectiveName;

        // The pool's drain runs in this phase; its timeout must outlast drain-timeout + grace-period, or
        // CoordinatedShutdown moves on while tasks still finish.
        var drain = (options.DrainTimeout ?? PoolSettings.Default.DrainTimeout) + (options.GracePeriod ?? PoolSettings.Default.GracePeriod) + TimeSpan.FromSeconds(10);
        builder.AddHocon(
            ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"{PhaseTimeoutKey} = {(long)drain.TotalMilliseconds}ms")),
            HoconAddMode.Prepend);

        builder.WithActors((system, registry, resolver) => Start(system, registry, resolver, options, name));
        builder.WithHealthCheck(
            "actorpool-" + name,
            (system, _, cancellationToken) => CheckReadyAsync(system, name, cancellationToken),
            HealthStatus.Unhealthy,
            [ReadyTag]);
        return builder;
    }

    /// <summary>Reads the options bound from <paramref name="configuration"/>'s <c>ActorPool</c> section, overridden by <paramref name="code"/>.</summary>
    /// <exception cref="PoolConfigurationException">A value is invalid; the message names every bad key.</exception>
    public static PoolSettings ResolveSettings(ScriptPoolOptions code, IConfiguration? configuration, Config? hocon) =>
        Resolve(code, configuration, hocon).Settings;

    /// <summary>Binds configuration, lays <paramref name="code"/> over it and builds the settings; every bad key in one exception.</summary>
    private static (ScriptPoolOptions Merged, PoolSettings Settings) Resolve(ScriptPoolOptions code, IConfiguration? configuration, Config? hocon)
    {
        ArgumentNullException.ThrowIfNull(code);
        var errors = new List<string>();
        var bound = configuration is null
            ? new ScriptPoolOptions()
            : ScriptPoolOptions.FromConfiguration(configuration.GetSection(ScriptPoolOptions.ConfigurationSection), errors);
        var merged = bound.OverriddenBy(code);
        try
        {
            var settings = merged.ToSettings(hocon);
            if (errors.Count == 0)
            {
                return (merged, settings);
            }
        }
        catch (PoolConfigurationException ex)
        {
            errors.AddRange(ex.Errors);
        }

        throw new PoolConfigurationException(errors);
    }

    private static void Start(ActorSystem system, IActorRegistry registry, IDependencyResolver resolver, ScriptPoolOptions code, string name)
    {
        var pools = ScriptPoolRegistry.For(system);
        try
        {
            var (merged, settings) = Resolve(code, resolver.GetService<IConfiguration>(), system.Settings.Config);
            var phase = system.Settings.Config.GetTimeSpan(PhaseTimeoutKey, null, allowInfinite: true);
            if (settings.DrainTimeout + settings.GracePeriod > phase)
            {
                system.Log.Warning(
                    "ActorPool drain-timeout {0} + grace-period {1} exceeds {2} = {3}; set the drain timeout in code options or raise that phase timeout",
                    settings.DrainTimeout, settings.GracePeriod, PhaseTimeoutKey, phase);
            }

            var modules = merged.ModuleSource ?? new DirectoryModuleSource(Path.Combine(AppContext.BaseDirectory, merged.ModulesDirectory ?? "scripts"));
            var meters = resolver.GetService<IMeterFactory>();
            var pool = ScriptPool.Start(system, modules, settings, name, new PoolMetrics(name, meters));
            // The registry key is one type: the first pool started on the system keeps it; a host that runs several
            // pools reaches the others by name (ScriptPoolRegistry, AddKeyedScriptPoolFacade).
            registry.TryRegister<ScriptPoolSupervisor>(pool.Supervisor);
            pools.Started(name, pool);
            WarnIfNotInjectable(system, resolver, name);
        }
        catch (Exception ex)
        {
            pools.Failed(name, ex);
            throw;
        }
    }

    /// <summary>
    /// The builder cannot register <see cref="IScriptPool"/> (see <see cref="ScriptPoolServiceCollectionExtensions"/>),
    /// so a host that used <c>AddAkka(...).WithScriptPool(...)</c> alone learns at start, not at its first resolve,
    /// how to make the pool injectable.
    /// </summary>
    internal static void WarnIfNotInjectable(ActorSystem system, IDependencyResolver resolver, string name)
    {
        if (resolver.GetService<IServiceProviderIsService>() is { } services && !services.IsService(typeof(IScriptPool)))
        {
            system.Log.Warning(
                "ActorPool '{0}' started, but IScriptPool is not registered for injection: use services.AddScriptPool(...) (or AddClusterScriptRouter) instead of AddAkka(...), or add services.AddScriptPoolFacade(\"{0}\")",
                name);
        }
    }

    private static async Task<HealthCheckResult> CheckReadyAsync(ActorSystem system, string name, CancellationToken cancellationToken)
    {
        var pool = ScriptPoolRegistry.For(system).TryGet(name);
        if (pool is null)
        {
            return HealthCheckResult.Unhealthy($"the script pool '{name}' has not started");
        }

        var stats = await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["target"] = stats.TargetWorkers,
            ["idle"] = stats.IdleWorkers,
            ["busy"] = stats.BusyWorkers,
            ["starting"] = stats.StartingWorkers,
            ["queue"] = stats.QueueLength,
        };
        if (stats.Latched)
        {
            return HealthCheckResult.Unhealthy("the pool is latched unavailable: workers keep failing to start", data: data);
        }

        if (stats.Draining)
        {
            return HealthCheckResult.Unhealthy("the pool is shutting down", data: data);
        }

        return stats.IdleWorkers + stats.BusyWorkers >= 1
            ? HealthCheckResult.Healthy($"{stats.IdleWorkers + stats.BusyWorkers} of {stats.TargetWorkers} workers ready", data)
            : HealthCheckResult.Unhealthy("no worker is ready yet", data: data);
    }
}
