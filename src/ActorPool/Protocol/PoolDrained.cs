namespace ActorPool.Protocol;

/// <summary>The answer to <see cref="DrainPool"/>: nothing is in flight any more.</summary>
/// <param name="Completed">Tasks that finished during the drain.</param>
/// <param name="CutOff">Tasks still running at the drain timeout, answered <see cref="FailureKind.ShuttingDown"/>.</param>
public sealed record PoolDrained(int Completed, int CutOff) : IPoolMessage;
