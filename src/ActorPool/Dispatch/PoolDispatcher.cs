using ActorPool.Configuration;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;

namespace ActorPool.Dispatch;

/// <summary>
/// The dispatcher the pool's actors (supervisor and workers) run on: <c>akka.actor.actor-pool-dispatcher</c> in
/// reference.conf: the .NET thread pool by default, or <see cref="ParkingThreadExecutor"/> threads when configured.
/// </summary>
internal static class PoolDispatcher
{
    /// <summary>The dispatcher id (also its HOCON path).</summary>
    public const string Id = "akka.actor.actor-pool-dispatcher";

    /// <summary>
    /// Makes <see cref="Id"/> known to <paramref name="system"/>: its own configuration of the path over the embedded
    /// reference (a system created without <see cref="ActorPoolConfig.Default"/> has none), over Akka's dispatcher
    /// defaults. The first registration in a system stays (the executor is made when an actor first needs it).
    /// </summary>
    public static string EnsureRegistered(ActorSystem system)
    {
        var dispatchers = system.Dispatchers;
        dispatchers.RegisterConfigurator(Id, new DispatcherConfigurator(ConfigFor(system), dispatchers.Prerequisites));
        return Id;
    }

    /// <summary>The dispatcher's configuration in <paramref name="system"/>, every fallback applied.</summary>
    internal static Config ConfigFor(ActorSystem system) =>
        ConfigurationFactory.ParseString($"id = \"{Id}\"")
            .WithFallback(system.Settings.Config.HasPath(Id) ? system.Settings.Config.GetConfig(Id) : ConfigurationFactory.Empty)
            .WithFallback(PoolSettings.Reference.GetConfig(Id))
            .WithFallback(system.Dispatchers.DefaultDispatcherConfig);
}
