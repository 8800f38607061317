using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Bench;

/// <summary>An actor system with one pool started through the public facade.</summary>
internal sealed class PoolHost : IAsyncDisposable
{
    private PoolHost(ActorSystem system, ScriptPool pool)
    {
        System = system;
        Pool = pool;
    }

    public ActorSystem System { get; }

    public ScriptPool Pool { get; }

    public static PoolHost Start(IModuleSource modules, PoolSettings settings, Telemetry.IPoolObserver? observer = null)
    {
        var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        var system = ActorSystem.Create("bench", config);
        return new PoolHost(system, ScriptPool.Start(system, modules, settings, "bench-pool", metrics: null, observer, seed: null));
    }

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        await System.Terminate();
        System.Dispose();
    }
}
