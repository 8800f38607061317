using ActorPool.Configuration;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Tests.Configuration;

public sealed class ActorPoolConfigSpec
{
    [Fact]
    public async Task ActorPoolConfig_Default_should_bind_the_serializer_without_enabling_remoting_or_opening_a_port()
    {
        var system = ActorSystem.Create("local", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorPoolConfig.Default));
        try
        {
            Assert.True(((ExtendedActorSystem)system).Provider.DefaultAddress.HasLocalScope);
            Assert.False(ActorPoolConfig.IsRemote(system));
            ActorPoolConfig.EnsureWireReady(system);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void PoolSettings_should_read_remote_max_payload_with_units_and_default_to_120000_bytes()
    {
        var custom = PoolSettings.Create(ConfigurationFactory.ParseString("actor-pool.remote.max-payload = 64KiB"));

        Assert.Equal(120_000, PoolSettings.Default.MaxRemotePayload);
        Assert.Equal(65_536, custom.MaxRemotePayload);
        Assert.Equal(65_536, PoolSettings.ReadMaxRemotePayload(ConfigurationFactory.ParseString("actor-pool.remote.max-payload = 64KiB")));
    }

    [Fact]
    public void PoolSettings_should_name_the_key_of_a_remote_max_payload_out_of_range()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => PoolSettings.Create(ConfigurationFactory.ParseString("actor-pool.remote.max-payload = 10b")));

        Assert.Contains("actor-pool.remote.max-payload", error.Message, StringComparison.Ordinal);
    }
}
