using ActorPool.Serialization;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Configuration;

/// <summary>
/// The HOCON a host merges into its actor system's configuration so that ActorPool messages travel in their own
/// wire format: <c>ConfigurationFactory.ParseString(hocon).WithFallback(ActorPoolConfig.Default)</c>.
/// </summary>
/// <remarks>
/// Akka reads serializer bindings only from the configuration the actor system was created with, so a library
/// cannot add them afterwards. A pool in one process without remoting never serializes and runs without them;
/// <see cref="ScriptPool.Start(ActorSystem, Modules.IModuleSource, PoolSettings?, string, Telemetry.PoolMetrics?)"/>
/// and <see cref="ScriptPool.Attach"/> refuse to run across nodes when they are missing.
/// </remarks>
public static class ActorPoolConfig
{
    /// <summary>
    /// The embedded <c>reference.conf</c>: the <c>akka.actor</c> serializer binding of <see cref="PoolMessageSerializer"/>
    /// to every <see cref="Protocol.IPoolMessage"/>, and the <c>actor-pool</c> defaults. Opens no port and enables
    /// no remoting by itself.
    /// </summary>
    public static Config Default => PoolSettings.Reference;

    /// <summary>
    /// Throws when <paramref name="system"/> talks to other nodes (remoting or cluster provider) but does not
    /// serialize protocol messages with <see cref="PoolMessageSerializer"/>, or when
    /// <c>actor-pool.remote.max-payload</c> does not fit Akka.Remote's frame size. Does nothing for a local system.
    /// </summary>
    /// <param name="system">The actor system a pool runs in or is used from.</param>
    /// <exception cref="PoolConfigurationException">Remoting is on and the configuration is incomplete.</exception>
    public static void EnsureWireReady(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        EnsureWireReady(system, PoolSettings.ReadMaxRemotePayload(system.Settings.Config));
    }

    /// <summary>Like <see cref="EnsureWireReady(ActorSystem)"/>, with the payload limit of the pool's own settings.</summary>
    internal static void EnsureWireReady(ActorSystem system, long maxPayload)
    {
        if (!IsRemote(system))
        {
            return;
        }

        var errors = new List<string>();
        var serializer = system.Serialization.FindSerializerForType(typeof(Protocol.RunScript));
        if (serializer is not PoolMessageSerializer)
        {
            errors.Add($"remoting is on but ActorPool messages would be serialized by {serializer.GetType().Name}, not {nameof(PoolMessageSerializer)}; create the actor system with config.WithFallback(ActorPool.Configuration.ActorPoolConfig.Default)");
        }

        const string FrameKey = "akka.remote.dot-netty.tcp.maximum-frame-size";
        if (system.Settings.Config.HasPath(FrameKey) && system.Settings.Config.GetByteSize(FrameKey) is { } frame && maxPayload >= frame)
        {
            errors.Add($"actor-pool.remote.max-payload = {maxPayload} must be below {FrameKey} = {frame}, which also carries the message envelope; lower it or raise the frame size");
        }

        if (errors.Count > 0)
        {
            throw new PoolConfigurationException(errors);
        }
    }

    /// <summary>True when <paramref name="system"/> has a network address (remoting or cluster provider).</summary>
    internal static bool IsRemote(ActorSystem system) =>
        ((ExtendedActorSystem)system).Provider.DefaultAddress.HasGlobalScope;
}
