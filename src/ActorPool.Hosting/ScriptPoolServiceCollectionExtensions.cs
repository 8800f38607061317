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
}
