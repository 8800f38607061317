using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Remote;

/// <summary>
/// The pool's node vanishes without a goodbye (its network is black-holed), so no reply and no Terminated ever
/// comes from it: the client's watch failure detector must notice, with short detector settings for the test.
/// </summary>
public sealed class RemoteNodeLossSpec : PoolTestKit, IAsyncLifetime
{
    private static readonly Config Remoting = ConfigurationFactory.ParseString("""
        akka.loglevel = ERROR
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.remote.watch-failure-detector.heartbeat-interval = 200ms
        akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 1s
        akka.remote.watch-failure-detector.expected-response-after = 200ms
        akka.remote.watch-failure-detector.unreachable-nodes-reaper-interval = 200ms
        akka.remote.flush-wait-on-shutdown = 200ms
        akka.coordinated-shutdown.exit-clr = off
        """).WithFallback(ActorPoolConfig.Default);

    private readonly ActorSystem _nodeA;
    private ScriptPool? _remote;

    public RemoteNodeLossSpec(ITestOutputHelper output)
        : base(Remoting, output)
    {
        _nodeA = ActorSystem.Create("A", Remoting);
    }

    public async Task InitializeAsync()
    {
        var settings = Settings(workers: 1) with { InFlightTimeout = TimeSpan.FromSeconds(20), DrainTimeout = TimeSpan.FromMilliseconds(300) };
        ScriptPool.Start(_nodeA, TestModules.Source(), settings, "pool");
        var address = ((ExtendedActorSystem)_nodeA).Provider.DefaultAddress;
        var supervisor = await Sys.ActorSelection($"{address}/user/pool").ResolveOne(TimeSpan.FromSeconds(10));
        _remote = ScriptPool.Attach(Sys, supervisor);
    }

    public async Task DisposeAsync()
    {
        if (_remote is not null)
        {
            await _remote.DisposeAsync();
        }

        await _nodeA.Terminate();
    }

    [Fact]
    public async Task Pending_remote_calls_should_fail_with_WorkerCrashed_when_the_pools_node_is_lost_without_a_goodbye()
    {
        var pool = _remote!;
        Assert.Equal(3, (await pool.RunAsync("basic", "add", "[1, 2]")).As<int>());
        var running = pool.RunAsync("faults", "spin", "[]");
        await AwaitAssertAsync(async () => Assert.Equal(1, (await pool.GetStatsAsync()).BusyWorkers), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));

        var a = ((ExtendedActorSystem)_nodeA).Provider.DefaultAddress;
        var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)Sys).Provider).Transport;
        Assert.True(await transport.ManagementCommand(new SetThrottle(new Address("akka", a.System, a.Host, a.Port), ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));

        // The in-flight timeout (20 s) would answer only if the network came back; the failure detector must answer first.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<ScriptPoolException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(FailureKind.WorkerCrashed, error.Kind);
        Output?.WriteLine($"node loss noticed after {started.ElapsedMilliseconds} ms");
    }
}
