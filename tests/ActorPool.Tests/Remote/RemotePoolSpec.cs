using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Telemetry;
using ActorPool.Tests.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorPool.Tests.Remote;

/// <summary>
/// A pool on one actor system (the "worker node" A), called from another (the client B, the TestKit's system)
/// over Akka.Remote on 127.0.0.1 with ports chosen by the OS.
/// </summary>
public sealed class RemotePoolSpec : PoolTestKit, IAsyncLifetime
{
    private const string PoolName = "remote-pool";

    private static readonly Config Remoting = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.coordinated-shutdown.exit-clr = off
        """).WithFallback(ActorPoolConfig.Default);

    private readonly ActorSystem _nodeA;
    private ScriptPool? _local;
    private ScriptPool? _remote;

    public RemotePoolSpec(ITestOutputHelper output)
        : base(Remoting, output)
    {
        _nodeA = ActorSystem.Create("A", Remoting);
    }

    public async Task InitializeAsync()
    {
        var settings = Settings(workers: 1) with
        {
            InFlightTimeout = TimeSpan.FromSeconds(20),
            SweepInterval = TimeSpan.FromMilliseconds(50),
            DrainTimeout = TimeSpan.FromMilliseconds(300),
        };
        _local = ScriptPool.Start(_nodeA, Modules(), settings, PoolName);
        var address = ((ExtendedActorSystem)_nodeA).Provider.DefaultAddress;
        Assert.Equal("akka.tcp", address.Protocol);
        var supervisor = await Sys.ActorSelection($"{address}/user/{PoolName}").ResolveOne(TimeSpan.FromSeconds(10));
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

    private ScriptPool Pool => _remote!;

    [Fact]
    public async Task A_remote_pool_should_return_results_like_a_local_one()
    {
        var reversed = await Pool.RunAsync("basic", "reverse", ["héllo 世界"]);
        var sum = await Pool.RunAsync("basic", "add", "[2, 40]");
        var nothing = await Pool.RunAsync("basic", "nothing", "[]");

        Assert.False(Pool.Supervisor.Path.Address.HasLocalScope);
        Assert.Equal("界世 olléh", reversed.As<string>());
        Assert.Equal(42, sum.As<int>());
        Assert.Equal("null", nothing.Json);
    }

    [Fact]
    public async Task A_remote_pool_should_run_a_batch_and_give_each_call_its_own_outcome()
    {
        await Facade.ScriptPoolSpec.WarmUpAsync(Pool);

        var outcomes = await Pool.RunBatchAsync(Facade.ScriptPoolSpec.MixedBatch(), deadline: Facade.ScriptPoolSpec.BatchDeadline);

        Assert.False(Pool.Supervisor.Path.Address.HasLocalScope);
        Facade.ScriptPoolSpec.AssertMixedOutcomes(outcomes);
    }

    [Fact]
    public async Task A_remote_pools_task_span_should_be_a_child_of_the_callers_span_across_remoting()
    {
        using var spans = new SpanRecorder(PoolTelemetry.ActivitySourceName);
        using (spans.StartParent())
        {
            Assert.Equal(42, (await Pool.RunAsync("basic", "add", "[2, 40]")).As<int>());
            await Assert.ThrowsAsync<ScriptErrorException>(() => Pool.RunAsync("faults", "boom", ["kaput"]));
        }

        foreach (var (function, outcome) in new[] { ("add", "succeeded"), ("boom", "script_error") })
        {
            // Client span on node B, task span in node A's supervisor: linked only by the context inside RunScript.
            var run = spans.One(PoolTelemetry.RunSpanName, PoolTelemetry.FunctionAttribute, function);
            var task = spans.One(PoolTelemetry.TaskSpanName, PoolTelemetry.FunctionAttribute, function);
            Assert.Equal(spans.TraceId, task.TraceId);
            Assert.Equal(run.SpanId, task.ParentSpanId);
            Assert.True(task.HasRemoteParent);
            Assert.Equal(run.GetTagItem(PoolTelemetry.TaskIdAttribute), task.GetTagItem(PoolTelemetry.TaskIdAttribute));
            Assert.Equal(outcome, task.GetTagItem(PoolTelemetry.OutcomeAttribute));
            Assert.Equal(outcome, run.GetTagItem(PoolTelemetry.OutcomeAttribute));
        }
    }

    [Fact]
    public async Task A_remote_pool_should_answer_stats_with_their_dictionaries()
    {
        await Assert.ThrowsAsync<ScriptErrorException>(() => Pool.RunAsync("faults", "boom", ["x"]));

        var stats = await Pool.GetStatsAsync();

        Assert.Equal(1, stats.TargetWorkers);
        Assert.Equal(1, stats.Failures[FailureKind.ScriptError]);
    }

    [Fact]
    public async Task A_remote_pool_should_answer_a_script_error_with_message_and_js_stack()
    {
        var error = await Assert.ThrowsAsync<ScriptErrorException>(() => Pool.RunAsync("faults", "boom", ["kaput"]));

        Assert.Contains("kaput", error.Message, StringComparison.Ordinal);
        Assert.Contains("boom", error.Details ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_pool_should_answer_Timeout_when_the_callers_deadline_cuts_a_running_task()
    {
        var error = await Assert.ThrowsAsync<ScriptTimeoutException>(() => Pool.RunAsync("faults", "spin", "[]", deadline: TimeSpan.FromMilliseconds(200)));

        Assert.Equal(FailureKind.Timeout, error.Kind);
    }

    [Fact]
    public async Task A_remote_pool_should_answer_QueueExpired_when_the_deadline_passes_in_the_queue()
    {
        using var cancel = new CancellationTokenSource();
        var blocker = Pool.RunAsync("faults", "spin", "[]", cancellationToken: cancel.Token);
        await AwaitBusy();

        var error = await Assert.ThrowsAsync<PoolRejectedException>(() => Pool.RunAsync("basic", "echo", "[1]", deadline: TimeSpan.FromMilliseconds(100)));
        await cancel.CancelAsync();

        Assert.Equal(FailureKind.QueueExpired, error.Kind);
        Assert.Equal(FailureKind.Cancelled, (await Assert.ThrowsAsync<ScriptCancelledException>(() => blocker)).Kind);
    }

    [Fact]
    public async Task A_remote_pool_should_cut_off_a_running_task_when_the_caller_cancels_and_keep_serving()
    {
        using var cancel = new CancellationTokenSource();
        var running = Pool.RunAsync("faults", "spin", "[]", cancellationToken: cancel.Token);
        await AwaitBusy();

        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<ScriptCancelledException>(() => running);
        Assert.Equal(FailureKind.Cancelled, error.Kind);
        Assert.Equal(3, (await Pool.RunAsync("basic", "add", "[1, 2]")).As<int>());
    }

    [Fact]
    public async Task A_remote_pool_should_return_a_large_result_that_fits_the_payload_limit()
    {
        var result = await Pool.RunAsync("sizes", "text", "[100000]");

        Assert.Equal(100_000, result.As<string>()!.Length);
    }

    [Fact]
    public async Task A_request_over_the_payload_limit_should_be_refused_before_it_is_sent()
    {
        var args = new string('a', 130_000);

        var error = await Assert.ThrowsAsync<ScriptRequestException>(() => Pool.RunAsync("basic", "echo", [args]));

        Assert.Equal(FailureKind.InvalidRequest, error.Kind);
        Assert.Contains("actor-pool.remote.max-payload", error.Message, StringComparison.Ordinal);
        Assert.Contains("not sent", error.Message, StringComparison.Ordinal);
        var stats = await Pool.GetStatsAsync();
        Assert.False(stats.Failures.ContainsKey(FailureKind.InvalidRequest), "the pool saw the oversized request");
    }

    [Fact]
    public async Task A_result_over_the_payload_limit_should_be_answered_with_a_clear_failure_not_dropped()
    {
        var error = await Assert.ThrowsAsync<ScriptRequestException>(() => Pool.RunAsync("sizes", "text", "[200000]"));

        Assert.Equal(FailureKind.InvalidRequest, error.Kind);
        Assert.Contains("the result is", error.Message, StringComparison.Ordinal);
        Assert.Contains("actor-pool.remote.max-payload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_local_caller_on_the_pools_own_node_should_not_be_held_to_the_remote_payload_limit()
    {
        var result = await _local!.RunAsync("sizes", "text", "[200000]");

        Assert.Equal(200_000, result.As<string>()!.Length);
    }

    [Fact]
    public async Task Pending_remote_calls_should_fail_promptly_when_the_supervisor_stops_without_answering()
    {
        var running = Pool.RunAsync("faults", "spin", "[]");
        await AwaitBusy();

        _nodeA.Stop(_local!.Supervisor);

        // Without DeathWatch the call would wait for the 20 s in-flight timeout, which would never be answered.
        var error = await Assert.ThrowsAsync<ScriptPoolException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(FailureKind.WorkerCrashed, error.Kind);
        Assert.Contains("supervisor stopped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pending_remote_calls_should_fail_promptly_when_the_pools_actor_system_terminates()
    {
        var running = Pool.RunAsync("faults", "spin", "[]");
        var queued = Pool.RunAsync("basic", "echo", "[1]");
        await AwaitBusy();

        await _nodeA.Terminate();

        var runningError = await Assert.ThrowsAnyAsync<ScriptPoolException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        var queuedError = await Assert.ThrowsAnyAsync<ScriptPoolException>(() => queued.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(runningError.Kind, new[] { FailureKind.ShuttingDown, FailureKind.WorkerCrashed });
        Assert.Equal(FailureKind.ShuttingDown, queuedError.Kind);
        var after = await Assert.ThrowsAnyAsync<ScriptPoolException>(() => Pool.RunAsync("basic", "echo", "[1]").WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(FailureKind.WorkerCrashed, after.Kind);
    }

    [Fact]
    public async Task Start_should_refuse_a_remoting_system_without_the_ActorPool_serializer_binding()
    {
        var bare = ActorSystem.Create("Bare", ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            """));
        try
        {
            var error = Assert.Throws<PoolConfigurationException>(() => ScriptPool.Start(bare, Modules(), Settings()));
            Assert.Contains("ActorPoolConfig.Default", error.Message, StringComparison.Ordinal);
            Assert.Throws<PoolConfigurationException>(() => ScriptPool.Attach(bare, Pool.Supervisor));
        }
        finally
        {
            await bare.Terminate();
        }
    }

    [Fact]
    public void Start_should_refuse_a_payload_limit_that_does_not_fit_the_frame_size()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => ScriptPool.Start(Sys, Modules(), Settings() with { MaxRemotePayload = 128_000 }, "too-big"));

        Assert.Contains("maximum-frame-size", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Waits until the single worker runs a task (short polls of the remote stats).</summary>
    private async Task AwaitBusy()
    {
        await AwaitAssertAsync(
            async () => Assert.Equal(1, (await Pool.GetStatsAsync()).BusyWorkers),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
    }

    private static InMemoryModuleSource Modules() => TestModules.Source()
        .Set("sizes", "export function text(n) { return 'x'.repeat(n); }");
}
