using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using ActorPool.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>The per-second ring behind the home page's charts, on a hand-driven clock.</summary>
public sealed class DashboardSamplerSpec
{
    [Fact]
    public async Task Samples_should_carry_the_task_rate_and_this_pools_latency_percentiles()
    {
        var pool = "dashboard-spec-" + Guid.NewGuid().ToString("N")[..8];
        var clock = new ManualClock();
        var answered = 0L;
        using var sampler = new DashboardSampler(_ => Task.FromResult(Stats(succeeded: answered, failed: 0, queue: 3)), new DashboardOptions(pool, 100, false), clock);
        using var meter = new Meter("ActorPool");
        var run = meter.CreateHistogram<double>("actorpool.task.run", "ms");
        var wait = meter.CreateHistogram<double>("actorpool.task.wait", "ms");
        // Latencies are recorded only while someone watches the dashboard.
        sampler.Watch();

        await sampler.SampleAsync(CancellationToken.None);
        for (var i = 1; i <= 100; i++)
        {
            run.Record(i, new KeyValuePair<string, object?>("pool", pool));
            run.Record(10_000, new KeyValuePair<string, object?>("pool", "another-pool"));
            wait.Record(i / 10.0, new KeyValuePair<string, object?>("pool", pool));
        }

        answered = 10;
        clock.Advance(TimeSpan.FromSeconds(2));
        await sampler.SampleAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        await sampler.SampleAsync(CancellationToken.None);

        var samples = sampler.Samples();
        Assert.Equal(3, samples.Count);
        Assert.Null(samples[0].TasksPerSecond);
        Assert.Null(samples[0].RunP50Ms);
        Assert.Equal(5.0, samples[1].TasksPerSecond);
        Assert.Equal(50.0, samples[1].RunP50Ms);
        Assert.Equal(99.0, samples[1].RunP99Ms);
        Assert.Equal(9.9, samples[1].WaitP99Ms);
        Assert.Equal(3, samples[1].Queue);
        Assert.Equal(0.0, samples[2].TasksPerSecond);
        Assert.Null(samples[2].RunP99Ms);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), samples[2].UnixMs);
    }

    [Fact]
    public async Task The_ring_should_keep_the_last_five_minutes_oldest_first()
    {
        var clock = new ManualClock();
        var queue = 0;
        using var sampler = new DashboardSampler(_ => Task.FromResult(Stats(0, 0, queue)), new DashboardOptions("ring", 100, false), clock);

        for (queue = 0; queue < DashboardSampler.Capacity + 5; queue++)
        {
            await sampler.SampleAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var samples = sampler.Samples();
        Assert.Equal(DashboardSampler.Capacity, samples.Count);
        Assert.Equal(Enumerable.Range(5, DashboardSampler.Capacity), samples.Select(s => s.Queue));
    }

    [Fact]
    public async Task An_unwatched_sampler_should_never_query_the_pool_stats_nor_keep_samples()
    {
        var clock = new ManualClock();
        var queries = 0;
        using var sampler = new DashboardSampler(_ => { queries++; return Task.FromResult(Stats(0, 0, 0)); }, new DashboardOptions("unwatched", 100, false), clock);

        var sampled = new List<bool>();
        for (var tick = 0; tick < 120; tick++)
        {
            sampled.Add(await sampler.TickAsync(CancellationToken.None));
            clock.Advance(DashboardSampler.Interval);
        }

        Assert.Equal((0, 0), (queries, sampler.Samples().Count));
        Assert.DoesNotContain(true, sampled);
        Assert.False(sampler.IsWatched);
    }

    [Fact]
    public async Task A_watched_sampler_should_sample_every_tick_until_the_watch_window_passes_then_drop_its_history()
    {
        var clock = new ManualClock();
        var queries = 0;
        using var sampler = new DashboardSampler(_ => { queries++; return Task.FromResult(Stats(queries, 0, 0)); }, new DashboardOptions("watched", 100, false), clock);
        using var meter = new Meter("ActorPool");
        var run = meter.CreateHistogram<double>("actorpool.task.run", "ms");
        run.Record(7, new KeyValuePair<string, object?>("pool", "watched"));

        // A dashboard request, then one tick a second for the whole window: one query per tick.
        sampler.Watch();
        var ticks = (int)(DashboardSampler.WatchWindow / DashboardSampler.Interval);
        for (var tick = 0; tick <= ticks; tick++)
        {
            Assert.True(await sampler.TickAsync(CancellationToken.None), $"tick {tick} of a watched sampler did not sample");
            clock.Advance(DashboardSampler.Interval);
        }

        Assert.Equal(ticks + 1, queries);
        Assert.Equal(ticks + 1, sampler.Samples().Count);
        Assert.Null(sampler.Samples()[0].RunP50Ms);

        // Nobody asked again: the next tick queries nothing and the history is gone.
        Assert.False(await sampler.TickAsync(CancellationToken.None));
        Assert.Equal((ticks + 1, 0), (queries, sampler.Samples().Count));

        // A new watcher starts a new history, whose first sample has no rate (nothing to compare with).
        sampler.Watch();
        Assert.True(await sampler.TickAsync(CancellationToken.None));
        Assert.Equal((ticks + 2, 1), (queries, sampler.Samples().Count));
        Assert.Null(sampler.Samples()[0].TasksPerSecond);
    }

    [Fact]
    public async Task A_gateway_should_watch_its_pools_only_once_the_dashboard_is_asked_for()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var samplers = gateway.App.Services.GetRequiredService<DashboardSamplers>().ByPool.Values.ToList();
        Assert.Equal(2, samplers.Count);
        Assert.DoesNotContain(samplers, s => s.IsWatched);

        using var response = await gateway.Client.GetAsync(new Uri(DashboardApi.Path, UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.All(samplers, s => Assert.True(s.IsWatched));
    }

    [Fact]
    public void A_pool_panel_should_have_one_row_per_worker_with_its_budget_and_current_task()
    {
        var stats = Stats(7, 2, 1) with
        {
            Workers =
            [
                new WorkerInfo("worker-1", WorkerStatus.Busy, "jint", 17, 1013, "text", "reverse", TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(90)),
                new WorkerInfo("worker-2", WorkerStatus.Idle, "jint", 3, 987, null, null, null, TimeSpan.FromSeconds(5)),
            ],
        };

        var panel = DashboardApi.Panel(ScriptsPool, stats, null, [], [], 1000, null);

        Assert.Null(panel.Nodes);
        Assert.Equal(
            [(null, "worker-1", "busy", 17, 1013, "text.reverse", 250.0, 90.0), (null, "worker-2", "idle", 3, 987, null, null, 5.0)],
            panel.Workers.Select(w => ((string?)w.Node, w.Name, w.State, w.TasksRun, w.Budget, w.Task, w.RunningMs, w.AgeSeconds)));
        Assert.Equal(2, panel.State!.Tasks["script_error"]);
    }

    [Fact]
    public void On_a_cluster_gateway_the_panel_should_list_the_workers_of_each_worker_node()
    {
        static PoolStats Node(string worker) => Stats(1, 0, 0) with { Workers = [new WorkerInfo(worker, WorkerStatus.Idle, "v8", 1, 10, null, null, null, TimeSpan.FromSeconds(1))] };
        var cluster = new ActorPool.Cluster.ClusterPoolState(
        [
            new("akka.tcp://actorpool@127.0.0.1:1", ["gateway"], "Up", true, false, 0, 0, null),
            new("akka.tcp://actorpool@127.0.0.1:2", ["script-worker"], "Up", true, true, 0, 4, Node("worker-1")),
            new("akka.tcp://actorpool@127.0.0.1:3", ["script-worker"], "Up", false, false, 0, 2, Node("worker-1")),
        ]);

        var panel = DashboardApi.Panel(ScriptsPool, Stats(2, 0, 0), cluster, [], [], 0, null);

        Assert.Equal(["akka.tcp://actorpool@127.0.0.1:2", "akka.tcp://actorpool@127.0.0.1:3"], panel.Workers.Select(w => w.Node));
        Assert.Equal([(true, 4L), (false, 2L)], panel.Nodes!.Select(n => (n.Routable, n.Served)));
    }

    private static GatewayPool ScriptsPool => new("script-pool", "scripts", "jint", _ => throw new InvalidOperationException(), _ => null);

    private static PoolStats Stats(long succeeded, long failed, int queue) => new(
        TargetWorkers: 2, IdleWorkers: 2, BusyWorkers: 0, StartingWorkers: 0, QueueLength: queue, MaxQueueLength: 100,
        Latched: false, Draining: false, Succeeded: succeeded,
        Failures: failed == 0 ? ImmutableDictionary<FailureKind, long>.Empty : ImmutableDictionary<FailureKind, long>.Empty.Add(FailureKind.ScriptError, failed),
        Retirements: ImmutableDictionary<RetirementReason, long>.Empty, AbandonedEngines: 0, ConsecutiveStartFailures: 0);

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public void Advance(TimeSpan by) => _now += by;
    }
}
