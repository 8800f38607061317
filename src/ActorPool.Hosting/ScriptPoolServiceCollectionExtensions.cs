using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorPool.Hosting;

/// <summary>
/// <see cref="IServiceCollection"/> extensions that start an actor system with a pool and make that pool injectable
/// as <see cref="IScriptPool"/>, in one call.
/// </summary>
/// <remarks>
/// Why a service-collection call and not only <c>AddAkka(...).WithScriptPool(...)</c>: Akka.Hosting 1.5's
/// <see cref="AkkaConfigurationBuilder"/> keeps its <see cref="IServiceCollection"/> internal, so an extension on
/// the builder cannot register services. Akka.Hosting's own plugins only add HOCON, actors and health checks to the
/// builder, and <c>IRequiredActor&lt;T&gt;</c> is one open-generic registration made by <c>AddAkka</c> itself. A
/// pool's facade is a service, so the call that owns the wiring is the one that sees the service collection:
/// <see cref="AddScriptPool(IServiceCollection, string, ScriptPoolOptions, Action{AkkaConfigurationBuilder, IServiceProvider}?)"/>
/// calls <c>AddAkka</c>, <c>WithScriptPool</c> and <see cref="AddScriptPoolFacade"/> together.
/// </remarks>
public static class ScriptPoolServiceCollectionExtensions
{
    /// <summary>
    /// Adds an actor system named <paramref name="actorSystemName"/> that starts a pool with <paramref name="options"/>
    /// (see <see cref="AkkaScriptPoolExtensions.WithScriptPool(AkkaConfigurationBuilder, ScriptPoolOptions)"/>), and
    /// registers <see cref="IScriptPool"/> for it. Use it instead of <c>AddAkka</c>; configure the rest of the actor
    /// system (HOCON, loggers, remoting) in <paramref name="configureAkka"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="actorSystemName">The actor system's name.</param>
    /// <param name="options">The pool's options; values left null come from configuration.</param>
    /// <param name="configureAkka">Further configuration of the actor system (HOCON, logging, more pools), applied after the pool is added, so this pool starts first and keeps the <see cref="ScriptPoolSupervisor"/> registry key.</param>
    public static IServiceCollection AddScriptPool(this IServiceCollection services, string actorSystemName, ScriptPoolOptions options, Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorSystemName);
        ArgumentNullException.ThrowIfNull(options);
        services.AddAkka(actorSystemName, (akka, provider) =>
        {
            // This one first: it keeps the registry key, and what configureAkka adds (more pools) starts after it.
            akka.WithScriptPool(options);
            configureAkka?.Invoke(akka, provider);
        });
        return services.AddScriptPoolFacade(options.EffectiveName);
    }

    /// <summary>Like <see cref="AddScriptPool(IServiceCollection, string, ScriptPoolOptions, Action{AkkaConfigurationBuilder, IServiceProvider}?)"/>, with options set by <paramref name="configure"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="actorSystemName">The actor system's name.</param>
    /// <param name="configure">Sets the pool's options.</param>
    /// <param name="configureAkka">Further configuration of the actor system (HOCON, logging, more pools), applied after the pool is added, so this pool starts first and keeps the <see cref="ScriptPoolSupervisor"/> registry key.</param>
    public static IServiceCollection AddScriptPool(this IServiceCollection services, string actorSystemName, Action<ScriptPoolOptions> configure, Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ScriptPoolOptions();
        configure(options);
        return services.AddScriptPool(actorSystemName, options, configureAkka);
    }

    /// <summary>
    /// Registers <see cref="IScriptPool"/> as a singleton that forwards to the pool named <paramref name="name"/>,
    /// for hosts that call <c>AddAkka(...).WithScriptPool(...)</c> themselves (the builder cannot register it, see
    /// the remarks of <see cref="ScriptPoolServiceCollectionExtensions"/>). Calls made before the actor system has
    /// started wait for it. Without this call (or <c>AddScriptPool</c>) the pool logs a warning at start that
    /// <see cref="IScriptPool"/> is not injectable.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The pool's name (<see cref="ScriptPoolOptions.Name"/>; default <c>script-pool</c>).</param>
    public static IServiceCollection AddScriptPoolFacade(this IServiceCollection services, string name = ScriptPoolOptions.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IScriptPool>(sp => new HostedScriptPool(sp.GetRequiredService<ActorSystem>(), name));
        return services;
    }

    /// <summary>
    /// Registers a keyed <see cref="IScriptPool"/> singleton, with <paramref name="name"/> as its service key, that
    /// forwards to the pool named <paramref name="name"/>: for a host that runs several pools
    /// (<c>[FromKeyedServices("solver-pool")] IScriptPool pool</c>). Calls made before the actor system has started wait for it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The pool's name (<see cref="ScriptPoolOptions.Name"/>), also the service key.</param>
    public static IServiceCollection AddKeyedScriptPoolFacade(this IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.TryAddKeyedSingleton<IScriptPool>(name, (sp, _) => new HostedScriptPool(sp.GetRequiredService<ActorSystem>(), name));
        return services;
    }
}
