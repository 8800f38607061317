using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Xunit.Abstractions;

namespace ActorPool.Cluster.Tests;

/// <summary>
/// Three actor systems on 127.0.0.1 in one process: a gateway node (the TestKit's system) running the router,
/// and two script-worker nodes, each with a pool whose modules answer with the node's name.
/// </summary>
public sealed class ClusterPoolRouterSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const int Modules = 16;
    private static readonly string[] WorkerNodes = ["w1", "w2"];

    private readonly ActorSystem _w1;
    private readonly ActorSystem _w2;
    private ActorSystem? _w3;
    private ScriptPool? _client;
    private IActorRef _router = ActorRefs.Nobody;

    public ClusterPoolRouterSpec(ITestOutputHelper output)
        : base(NodeConfig("gateway"), "actorpool", output)
    {
        _w1 = ActorSystem.Create("actorpool", NodeConfig("script-worker"));
        _w2 = ActorSystem.Create("actorpool", NodeConfig("script-worker"));
    }

    private static Config NodeConfig(string role) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.roles = [{{role}}]
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.cluster.failure-detector.heartbeat-interval = 200ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
        akka.cluster.unreachable-nodes-reaper-interval = 200ms
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """).WithFallback(ActorPoolConfig.Default);

    public async Task InitializeAsync()
    {
        var settings = PoolSettings.Default with { Workers = 2, BudgetJitter = 0, InFlightTimeout = TimeSpan.FromSeconds(30), DrainTimeout = TimeSpan.FromSeconds(5) };
        ScriptPool.Start(_w1, NodeModules("w1"), settings);
        ScriptPool.Start(_w2, NodeModules("w2"), settings);
        var seed = Akka.Cluster.Cluster.Get(Sys).SelfAddress;
        foreach (var system in new[] { Sys, _w1, _w2 })
        {
            Akka.Cluster.Cluster.Get(system).Join(seed);
        }

        _router = Sys.ActorOf(ClusterPoolRouter.Props(new ClusterPoolOptions()), "script-router");
        _client = ScriptPool.Attach(Sys, _router);
        await AwaitAssertAsync(() => Assert.Equal(2, State().Members.Count(m => m.Routable)), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_w1.Terminate(), _w2.Terminate(), _w3?.Terminate() ?? Task.CompletedTask);
    }

    [Fact]
    public async Task Router_should_keep_each_module_on_one_node_while_it_has_free_workers_and_use_both_nodes()
    {
        // One call at a time: every module stays on its home node.
        var homes = new Dictionary<string, HashSet<string>>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < Modules; i++)
            {
                var node = (await _client!.RunAsync($"m{i}", "where", "[]")).As<string>()!;
                (homes.TryGetValue($"m{i}", out var set) ? set : homes[$"m{i}"] = []).Add(node);
            }
        }

        Assert.All(homes, m => Assert.Single(m.Value));
        Assert.Equal(["w1", "w2"], homes.Values.Select(v => v.Single()).Distinct().Order(StringComparer.Ordinal));
        var served = State().Members.Where(m => m.Routable).Select(m => m.Served).ToList();
        Assert.Equal(Modules * 3, served.Sum());
        Assert.All(served, s => Assert.True(s > 0));
        var totals = await _client!.GetStatsAsync();
        Assert.Equal((4, Modules * 3L), (totals.TargetWorkers, totals.Succeeded));
        Assert.All(State().Members.Where(m => m.Routable), m => Assert.Equal(2, m.Pool!.TargetWorkers));
    }

    [Fact]
    public async Task Router_should_refuse_a_protocol_batch_at_once_and_a_cluster_facade_should_send_its_calls_one_by_one()
    {
        // The router routes calls by module, so a whole batch is answered at once, one refusal per call, not left waiting.
        var caller = CreateTestProbe();
        _router.Tell(new RunScriptBatch("b1", [new RunScript("b1-0", "m0", "where", "[]"), new RunScript("b1-1", "m1", "where", "[]")]), caller);
        var refused = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(5));
        Assert.Equal(["b1-0", "b1-1"], refused.Replies.Select(r => r.TaskId));
        Assert.All(refused.Replies, r => Assert.Equal(FailureKind.InvalidRequest, Assert.IsType<ScriptFailed>(r).Kind));

        // The cluster facade runs a batch call by call through the router: each call gets its own real answer.
        var cluster = ClusterScriptPool.Start(Sys, new ClusterPoolOptions(), "batch-router");
        await AwaitAssertAsync(async () => Assert.True((await cluster.GetClusterStateAsync()).Members.Count(m => m.Routable) == 2), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        var outcomes = await ((IScriptPool)cluster).RunBatchAsync([new ScriptCall("m0", "where", "[]"), new ScriptCall("m1", "nope", "[]"), new ScriptCall("m2", "where", "[]")]);
        Assert.Equal(3, outcomes.Count);
        Assert.Contains(outcomes[0].GetResult().As<string>(), WorkerNodes);
        Assert.False(outcomes[1].Succeeded);
        Assert.Contains(outcomes[2].GetResult().As<string>(), WorkerNodes);
    }

    [Fact]
    public async Task Router_should_spread_one_busy_module_over_both_nodes()
    {
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client!.RunAsync("m0", "slow", "[200]")));

        Assert.Equal(["w1", "w2"], burst.Select(r => r.As<string>()!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Router_should_lose_no_task_when_a_worker_node_leaves_gracefully()
    {
        var leaving = Akka.Cluster.Cluster.Get(_w2).SelfAddress.ToString();
        var before = Enumerable.Range(0, Modules).Select(i => _client!.RunAsync($"m{i}", "slow", "[1500]")).ToList();

        // First prove the leaving node has tasks in flight (the router's per-node counter), then let it leave.
        await AwaitAssertAsync(() => Assert.True(State().Members.Single(m => m.Address == leaving).InFlight > 0, "no task in flight on the leaving node"), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        var inFlightOnLeaving = State().Members.Single(m => m.Address == leaving).InFlight;
        await Akka.Cluster.Cluster.Get(_w2).LeaveAsync();

        // None lost: every task is answered with its value. Of the leaving node's tasks, those running finished
        // there, and those still queued there (never started) were sent on to w1.
        var results = await Task.WhenAll(before);
        Assert.All(results, r => Assert.True(r.As<string>() is "w1" or "w2", r.Json));
        Assert.InRange(results.Count(r => r.As<string>() == "w2"), 1, inFlightOnLeaving);
        await AwaitAssertAsync(() => Assert.Single(State().Members, m => m.Routable), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        var after = await Task.WhenAll(Enumerable.Range(0, Modules).Select(i => _client!.RunAsync($"m{i}", "where", "[]")));
        Assert.All(after, r => Assert.Equal("w1", r.As<string>()));
    }

    [Fact]
    public async Task Router_should_answer_every_call_sent_while_a_node_leaves_and_another_joins_and_send_none_to_the_leaving_node()
    {
        var leaving = Akka.Cluster.Cluster.Get(_w2).SelfAddress.ToString();
        var answers = new System.Collections.Concurrent.ConcurrentBag<(int Seq, string? Node, string? Failure)>();
        var sent = 0;
        var stop = new CancellationTokenSource();
        using var gate = new SemaphoreSlim(8);

        // Steady load: calls numbered as they are sent, 8 at a time, on every module, each busy for a moment so the
        // nodes fill up and a joining node is needed. Bounded in count.
        var load = Task.Run(async () =>
        {
            var calls = new List<Task>();
            while (!stop.IsCancellationRequested && sent < 4000)
            {
                await gate.WaitAsync();
                var seq = Interlocked.Increment(ref sent);
                calls.Add(Task.Run(async () =>
                {
                    try
                    {
                        var result = await _client!.RunAsync($"m{seq % Modules}", "slow", "[20]");
                        answers.Add((seq, result.As<string>(), null));
                    }
                    catch (ScriptPoolException ex)
                    {
                        answers.Add((seq, null, $"{ex.Kind}: {ex.Message}"));
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            await Task.WhenAll(calls);
        });

        await AwaitConditionAsync(() => answers.Any(a => a.Node == "w2") && answers.Count > 40, TimeSpan.FromSeconds(20));

        // w2 leaves under load. Once the router shows it unroutable (it saw MemberLeft), every call sent after that
        // reply is processed after it by the router, so none of them may be answered by w2.
        var left = Akka.Cluster.Cluster.Get(_w2).LeaveAsync();
        await AwaitAssertAsync(() => Assert.False(State().Members.SingleOrDefault(m => m.Address == leaving)?.Routable ?? false), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(10));
        var announced = Volatile.Read(ref sent);
        await left.WaitAsync(TimeSpan.FromSeconds(30));
        await AwaitConditionAsync(() => answers.Count(a => a.Seq > announced) > 40, TimeSpan.FromSeconds(20));

        // w3 joins under load and takes work.
        var settings = PoolSettings.Default with { Workers = 2, BudgetJitter = 0, InFlightTimeout = TimeSpan.FromSeconds(30), DrainTimeout = TimeSpan.FromSeconds(5) };
        _w3 = ActorSystem.Create("actorpool", NodeConfig("script-worker"));
        ScriptPool.Start(_w3, NodeModules("w3"), settings);
        Akka.Cluster.Cluster.Get(_w3).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        await AwaitAssertAsync(() => Assert.Equal(2, State().Members.Count(m => m.Routable)), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        await AwaitConditionAsync(() => answers.Count(a => a.Node == "w3") >= 10, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await load.WaitAsync(TimeSpan.FromSeconds(60));
        stop.Dispose();

        // Every call sent got exactly one answer, and it is a value.
        var all = answers.ToList();
        Assert.Equal(sent, all.Count);
        Assert.Equal(Enumerable.Range(1, sent), all.Select(a => a.Seq).Order());
        var failed = all.Where(a => a.Failure is not null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {sent} calls failed, e.g. #{failed.FirstOrDefault().Seq}: {failed.FirstOrDefault().Failure}");

        // None sent after the router knew w2 was leaving went there; w3 took work.
        var late = all.Where(a => a.Seq > announced && a.Node == "w2").Select(a => a.Seq).ToList();
        Assert.True(late.Count == 0, $"calls sent after w2 announced leaving (after #{announced}) were answered by w2: #{string.Join(", #", late.Take(10))}");
        Assert.Contains(all, a => a.Node == "w3");
    }

    [Fact]
    public async Task Router_should_answer_tasks_of_a_lost_node_at_once_and_retry_idempotent_ones_elsewhere()
    {
        // Find where module m0 lives, then hang a task there (the other node's copy returns at once).
        var home = (await _client!.RunAsync("m0", "where", "[]")).As<string>()!;
        var lostSystem = home == "w1" ? _w1 : _w2;
        var survivor = home == "w1" ? "w2" : "w1";
        var plain = Run(new RunScript("plain", "m0", "hangOn", $"[\"{home}\"]"));
        var idempotent = Run(new RunScript("idempotent", "m0", "hangOn", $"[\"{home}\"]", Idempotent: true));
        var lost = ((ExtendedActorSystem)lostSystem).Provider.DefaultAddress;

        // First prove both tasks are in flight on the node about to be lost (the router's per-node counter).
        await AwaitAssertAsync(() => Assert.Equal(2, State().Members.Single(m => m.Address == lost.ToString()).InFlight), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)Sys).Provider).Transport;
        Assert.True(await transport.ManagementCommand(new SetThrottle(new Address("akka", lost.System, lost.Host, lost.Port), ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));

        // The in-flight timeout is 30 s; the failure detector (1 s pause) must answer long before it.
        var crashed = Assert.IsType<ScriptFailed>(await plain.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(FailureKind.WorkerCrashed, crashed.Kind);
        Assert.Contains(lost.ToString(), crashed.Message, StringComparison.Ordinal);
        var retried = Assert.IsType<ScriptSucceeded>(await idempotent.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal($"\"{survivor}\"", retried.ResultJson);

        // None lost: both answered, and the router holds nothing for the lost node any more.
        await AwaitAssertAsync(() => Assert.All(State().Members.Where(m => m.Address == lost.ToString()), m => Assert.Equal(0, m.InFlight)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Waits for an event observed from outside (answers arriving), within <paramref name="max"/>.</summary>
    private static async Task AwaitConditionAsync(Func<bool> condition, TimeSpan max)
    {
        using var timeout = new CancellationTokenSource(max);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private Task<IScriptReply> Run(RunScript command) => _router.Ask<IScriptReply>(command, TimeSpan.FromSeconds(60));

    private ClusterPoolState State() => _router.Ask<ClusterPoolState>(GetClusterPoolState.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

    private static InMemoryModuleSource NodeModules(string node)
    {
        var source = new InMemoryModuleSource();
        for (var i = 0; i < Modules; i++)
        {
            source.Set($"m{i}", $$"""
                export function where() { return '{{node}}'; }
                export function slow(ms) { const end = Date.now() + ms; while (Date.now() < end) { } return '{{node}}'; }
                export function hangOn(target) { while (target === '{{node}}') { } return '{{node}}'; }
                """);
        }

        return source;
    }
}
