namespace ActorPool.Protocol;

/// <summary>A message a caller sends to the pool.</summary>
public interface IPoolCommand : IPoolMessage;
