using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorPool.Hosting;

/// <summary>Makes the pool started by <c>WithScriptPool</c> injectable.</summary>
public static class ScriptPoolServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IScriptPool"/> as a singleton that forwards to the pool named <paramref name="name"/>
    /// (started by <c>AddAkka(...).WithScriptPool(...)</c>). Calls made before the actor system has started wait
    /// for it. Akka.Hosting's builder does not expose the service collection, hence this separate call.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The pool's name (<see cref="ScriptPoolOptions.Name"/>; default <c>script-pool</c>).</param>
    public static IServiceCollection AddScriptPoolFacade(this IServiceCollection services, string name = "script-pool")
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
