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

    /// <inheritdoc />
    public override ExecutorService Produce(string id) => new ParkingThreadExecutor(id, _threadCount);
}
