using ActorPool.Configuration;
using ActorPool.Hosting;
using ActorPool.Modules;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ActorPool.Cluster.Tests;

/// <summary>
/// A gateway host wired by the one call <c>AddClusterScriptRouter</c> and a script-worker node (a plain actor
/// system with a pool) on 127.0.0.1: the injected facades route to the worker and report the cluster.
/// </summary>
public sealed class ClusterScriptRouterHostingSpec
{
    private static Config NodeConfig(string role) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.roles = [{{role}}]
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """).WithFallback(ActorPoolConfig.Default);

    [Fact]
    public async Task AddClusterScriptRouter_should_wire_the_router_its_readiness_and_injectable_facades_in_one_call()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHealthChecks();
        builder.Services.AddClusterScriptRouter("actorpool", configureAkka: (akka, _) =>
        {
            akka.AddHocon(NodeConfig("gateway"), HoconAddMode.Append);
            akka.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var worker = ActorSystem.Create("actorpool", NodeConfig(ClusterNodeSettings.WorkerRole));
        try
        {
            ScriptPool.Start(worker, new InMemoryModuleSource().Set("where", "export function node() { return 'w1'; }"), PoolSettings.Default with { Workers = 1 });
            var gateway = host.Services.GetRequiredService<ActorSystem>();
            await Akka.Cluster.Cluster.Get(worker).JoinAsync(Akka.Cluster.Cluster.Get(gateway).SelfAddress);

            var cluster = host.Services.GetRequiredService<IClusterScriptPool>();
            Assert.Same(cluster, host.Services.GetRequiredService<IScriptPool>());
            Assert.True(host.Services.GetRequiredService<ActorRegistry>().TryGet<ClusterPoolRouter>(out _));
            Assert.Equal(HealthStatus.Healthy, await AwaitReadiness(host));

            Assert.Equal("w1", (await cluster.RunAsync("where", "node", "[]")).As<string>());
            var state = await cluster.GetClusterStateAsync();
            Assert.Equal(2, state.Members.Length);
            Assert.Single(state.Members, m => m.Routable && m.Roles.Contains(ClusterNodeSettings.WorkerRole));
        }
        finally
        {
            await worker.Terminate();
            await host.StopAsync();
        }
    }

    /// <summary>Readiness turns healthy once membership has converged and the router has found the worker's pool.</summary>
    private static async Task<HealthStatus> AwaitReadiness(IHost host)
    {
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HealthReport report;
        do
        {
            report = await health.CheckHealthAsync(c => c.Tags.Contains(AkkaScriptPoolExtensions.ReadyTag));
            if (report.Status == HealthStatus.Healthy)
            {
                return report.Status;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        return report.Status;
    }
}
