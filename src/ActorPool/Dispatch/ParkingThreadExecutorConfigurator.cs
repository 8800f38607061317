using Akka.Configuration;
using Akka.Dispatch;

namespace ActorPool.Dispatch;

/// <summary>
/// Makes <see cref="ParkingThreadExecutor"/>s for a dispatcher whose <c>executor</c> names this type; reads
/// <c>thread-count</c> (1 .. 64) from the dispatcher's section. Akka creates it by reflection.
/// </summary>
internal sealed class ParkingThreadExecutorConfigurator : ExecutorServiceConfigurator
{
    private readonly int _threadCount;

    public ParkingThreadExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
        _threadCount = config.GetInt("thread-count", 1);
        if (_threadCount is < 1 or > 64)
        {
            throw new ConfigurationException($"{config.GetString("id", "the dispatcher")}.thread-count = {_threadCount} must be 1 .. 64");
        }
    }

    /// <summary>
    /// A new executor. Akka shuts it down <c>shutdown-timeout</c> after its last actor stopped, on the scheduler; an
    /// actor system that terminates first (or whose scheduler is virtual, in specs) ends its threads on termination.
    /// </summary>
    public override ExecutorService Produce(string id)
    {
        var executor = new ParkingThreadExecutor(id, _threadCount);
        Prerequisites.Settings.System.RegisterOnTermination(executor.Shutdown);
        return executor;
    }
}
