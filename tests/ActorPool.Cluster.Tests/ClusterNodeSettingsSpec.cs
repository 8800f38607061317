using Akka.Configuration;

namespace ActorPool.Cluster.Tests;

public sealed class ClusterNodeSettingsSpec
{
    private static ClusterNodeSettings Read(params (string Name, string Value)[] variables) =>
        ClusterNodeSettings.FromVariables(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void ClusterNodeSettings_should_default_to_a_standalone_process_without_remoting()
    {
        var settings = Read();

        Assert.True(settings.IsStandalone);
        Assert.True(settings.ToConfig().IsEmpty);
    }

    [Fact]
    public void ClusterNodeSettings_should_read_roles_address_and_seeds()
    {
        var settings = Read(("CLUSTER_ROLE", "gateway, script-worker"), ("CLUSTER_HOST", "127.0.0.2"), ("CLUSTER_PORT", "4053"), ("CLUSTER_SEEDS", "akka.tcp://actorpool@127.0.0.1:4053,akka.tcp://actorpool@127.0.0.1:4054"));
        var config = settings.ToConfig().WithFallback(ConfigurationFactory.Empty);

        Assert.True(settings.IsGateway && settings.IsWorker);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("127.0.0.2", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["gateway", "script-worker"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(["akka.tcp://actorpool@127.0.0.1:4053", "akka.tcp://actorpool@127.0.0.1:4054"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void ClusterNodeSettings_should_name_every_bad_variable()
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("CLUSTER_ROLE", "boss"), ("CLUSTER_PORT", "99999"), ("CLUSTER_SEEDS", "akka.tcp://other@127.0.0.1:1,nonsense")));

        Assert.Contains("CLUSTER_ROLE", error.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("'akka.tcp://other@127.0.0.1:1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'nonsense'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway.conf", "gateway")]
    [InlineData("worker-node.conf", "script-worker")]
    public void Hocon_overlays_should_make_a_cluster_node_with_the_split_brain_resolver(string file, string role)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ActorPool.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(root, "hocon", file)));

        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal([role], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Contains("SplitBrainResolverProvider", config.GetString("akka.cluster.downing-provider-class"), StringComparison.Ordinal);
    }
}
