using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.TestKit.Xunit2;
using Newtonsoft.Json;

namespace ActorPool.Cluster.Tests;

public sealed class ClusterBootstrappingSpec
{
    private static ClusterNodeSettings Read(params (string Name, string Value)[] variables) =>
        ClusterNodeSettings.FromVariables(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Config_discovery_should_configure_the_bootstrap_with_the_listed_endpoints_and_no_seed_nodes()
    {
        var settings = Read(("CLUSTER_ROLE", "script-worker"), ("CLUSTER_DISCOVERY", "config"), ("CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:9001, worker2:8558"), ("CLUSTER_MANAGEMENT_PORT", "9001"), ("CLUSTER_REQUIRED_CONTACTS", "3"));
        var config = settings.ToConfig();

        Assert.True(settings.UsesBootstrap);
        Assert.Equal(ClusterDiscovery.Config, settings.Discovery);
        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("config", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
        Assert.Equal("actorpool", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
        Assert.Equal(3, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.Equal(["127.0.0.1:9001", "worker2:8558"], config.GetStringList("akka.discovery.config.services.actorpool.endpoints"));
        Assert.Equal("127.0.0.1", config.GetString("akka.management.http.hostname"));
        Assert.Equal(9001, config.GetInt("akka.management.http.port"));
        Assert.Equal(new Uri("http://127.0.0.1:9001/"), ClusterBootstrapping.SelfContactPoint(settings));
    }

    [Fact]
    public void Seed_list_nodes_should_not_use_the_bootstrap()
    {
        var settings = Read(("CLUSTER_ROLE", "gateway"), ("CLUSTER_SEEDS", "akka.tcp://actorpool@127.0.0.1:4053"));

        Assert.False(settings.UsesBootstrap);
        Assert.False(settings.ToConfig().HasPath("akka.management.http.port"));
    }

    [Fact]
    public void Bad_discovery_variables_should_each_be_named()
    {
        var error = Assert.Throws<ArgumentException>(() => Read(
            ("CLUSTER_ROLE", "gateway"),
            ("CLUSTER_DISCOVERY", "kubernetes"),
            ("CLUSTER_MANAGEMENT_PORT", "0"),
            ("CLUSTER_DISCOVERY_ENDPOINTS", "no-port,host:70000"),
            ("CLUSTER_REQUIRED_CONTACTS", "0"),
            ("CLUSTER_SERVICE_NAME", "bad name")));

        Assert.Contains("CLUSTER_DISCOVERY: 'kubernetes'", error.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_MANAGEMENT_PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("'no-port'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'host:70000'", error.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_REQUIRED_CONTACTS", error.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_SERVICE_NAME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_and_a_seed_list_should_exclude_each_other_and_config_discovery_needs_endpoints()
    {
        var both = Assert.Throws<ArgumentException>(() => Read(("CLUSTER_ROLE", "gateway"), ("CLUSTER_DISCOVERY", "config"), ("CLUSTER_DISCOVERY_ENDPOINTS", "127.0.0.1:8558"), ("CLUSTER_SEEDS", "akka.tcp://actorpool@127.0.0.1:4053")));
        var none = Assert.Throws<ArgumentException>(() => Read(("CLUSTER_ROLE", "gateway"), ("CLUSTER_DISCOVERY", "config")));

        Assert.Contains("exclude each other", both.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_DISCOVERY_ENDPOINTS", none.Message, StringComparison.Ordinal);
    }
}

/// <summary>The contact point's answer, read the way Akka.Management's probe reads it.</summary>
public sealed class ClusterBootstrappingSeedNodesSpec() : TestKit(ConfigurationFactory.ParseString("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.cluster.roles = [script-worker]
    """))
{
    [Fact]
    public void Seed_nodes_should_be_empty_before_the_node_joins_and_list_it_once_it_is_up()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var before = JsonConvert.DeserializeObject<HttpBootstrapJsonProtocol.SeedNodes>(ClusterBootstrapping.SeedNodesJson(Sys))!;
        Assert.Equal(cluster.SelfAddress, before.SelfNode);
        Assert.Empty(before.Nodes);

        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(20));

        var after = JsonConvert.DeserializeObject<HttpBootstrapJsonProtocol.SeedNodes>(ClusterBootstrapping.SeedNodesJson(Sys))!;
        var member = Assert.Single(after.Nodes);
        Assert.Equal(cluster.SelfAddress, member.Node);
        Assert.Equal(cluster.SelfUniqueAddress.Uid, member.NodeUid);
        Assert.Equal(MemberStatus.Up, member.Status);
        Assert.Contains("script-worker", member.Roles);
    }
}
