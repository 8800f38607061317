namespace ActorPool.Protocol;

/// <summary>
/// Asks the pool to shut down gracefully: stop accepting tasks, answer queued ones
/// <see cref="FailureKind.ShuttingDown"/>, let tasks in flight finish within <c>drain-timeout</c>, then answer
/// <see cref="PoolDrained"/>. Sent by the pool's CoordinatedShutdown task and by the facade.
/// </summary>
public sealed record DrainPool : IPoolCommand
{
    /// <summary>The single instance.</summary>
    public static DrainPool Instance { get; } = new();

    private DrainPool()
    {
    }
}
