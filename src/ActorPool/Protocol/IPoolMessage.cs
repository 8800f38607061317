namespace ActorPool.Protocol;

/// <summary>
/// The root marker of every ActorPool protocol message. The serializer for the wire is bound to this interface,
/// so every type that implements it must be an immutable record that the serializer knows.
/// </summary>
public interface IPoolMessage;
