using Akka.Actor;

namespace ActorPool.Protocol;

/// <summary>Asks the pool for a <see cref="PoolStats"/> snapshot. Never postpones an in-flight timeout.</summary>
public sealed record GetPoolStats : IPoolCommand, INotInfluenceReceiveTimeout
{
    /// <summary>The single instance.</summary>
    public static GetPoolStats Instance { get; } = new();

    private GetPoolStats()
    {
    }
}
