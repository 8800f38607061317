using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// Capacity is never lost: a worker whose engine is cut off and recovering is replaced at once, the pool runs
/// above target by the recovering engines only (at most the target of them), and comes back to its target.
/// </summary>
public sealed class CapacitySpec : PoolTestKit, IDisposable
{
    private readonly FakeEngineControl _fake = new();

    public CapacitySpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
    }

    void IDisposable.Dispose() => _fake.Release.Set();

    [Fact]
    public void PoolSupervisor_should_serve_the_next_calls_on_a_replacement_while_a_cut_off_engine_waits_out_its_grace()
    {
        var settings = Settings(workers: 1) with { MaxTaskAge = TimeSpan.FromMilliseconds(700) };
        var pool = StartPool(settings, fake: _fake);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("stuck", "basic", "hang", "[0]"), caller);
        AwaitRunning(pool, "stuck");

        VirtualScheduler.Advance(settings.InFlightTimeout);
        Assert.Equal(("stuck", FailureKind.Timeout), Kind(caller.ExpectMsg<ScriptFailed>()));
        pool.Supervisor.Tell(new RunScript("next1", "basic", "echo", "[1]"), caller);
        pool.Supervisor.Tell(new RunScript("next2", "basic", "echo", "[2]"), caller);
        Sync(pool);
        VirtualScheduler.Advance(Patience);

        // Only the patience passes: the replacement serves both, long before the grace period or max-task-age.
        Assert.Equal(new ScriptSucceeded("next1", "[1]"), caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10)));
        Assert.Equal(new ScriptSucceeded("next2", "[2]"), caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10)));
        var stats = Sync(pool);
        Assert.True((stats.RecoveringWorkers, stats.IdleWorkers, stats.AbandonedEngines) == (1, 1, 0), $"expected one recovering engine beside one idle worker: {stats}");
    }

    [Fact]
    public void PoolSupervisor_should_return_to_its_target_when_a_recovering_engine_is_abandoned()
    {
        var settings = Settings(workers: 1);
        var pool = StartPool(settings, fake: _fake);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("stuck", "basic", "hang", "[0]"), caller);
        AwaitRunning(pool, "stuck");
        VirtualScheduler.Advance(settings.InFlightTimeout);
        caller.ExpectMsg<ScriptFailed>();
        Sync(pool);
        VirtualScheduler.Advance(Patience);
        AwaitIdleAtTarget(pool);

        VirtualScheduler.Advance(settings.GracePeriod);

        AwaitAssert(() => Assert.Equal(1, Sync(pool).AbandonedEngines), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(0, stats.RecoveringWorkers);
        Assert.Single(WorkerStates(pool));
    }

    [Fact]
    public void PoolSupervisor_should_stop_a_recovered_worker_whose_replacement_already_serves()
    {
        var settings = Settings(workers: 1);
        var pool = StartPool(settings, fake: _fake);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("slow", "basic", "block", "[0]"), caller);
        AwaitRunning(pool, "slow");

        VirtualScheduler.Advance(settings.InFlightTimeout);

        Assert.Equal(FailureKind.Timeout, caller.ExpectMsg<ScriptFailed>().Kind);
        AwaitAssert(
            () =>
            {
                var stats = Sync(pool);
                Assert.True(stats.IdleWorkers == 1 && stats.RecoveringWorkers == 0 && WorkerStates(pool).Count == 1, $"not back to one worker: {stats}");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, Sync(pool).AbandonedEngines);
    }

    [Fact]
    public void PoolSupervisor_should_run_at_most_its_target_of_recovering_engines_above_target()
    {
        var settings = Settings(workers: 1) with { GracePeriod = TimeSpan.FromSeconds(10) };
        var pool = StartPool(settings, fake: _fake);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("stuck1", "basic", "hang", "[1]"), caller);
        AwaitRunning(pool, "stuck1");
        VirtualScheduler.Advance(settings.InFlightTimeout);
        caller.ExpectMsg<ScriptFailed>();
        Sync(pool);
        VirtualScheduler.Advance(Patience);
        pool.Supervisor.Tell(new RunScript("stuck2", "basic", "hang", "[2]"), caller);
        AwaitRunning(pool, "stuck2");

        VirtualScheduler.Advance(settings.InFlightTimeout);

        caller.ExpectMsg<ScriptFailed>();
        Sync(pool);
        VirtualScheduler.Advance(Patience);
        var stats = Sync(pool);
        Assert.True((stats.RecoveringWorkers, stats.IdleWorkers, stats.StartingWorkers) == (2, 0, 0), $"the second recovering engine must not get a third worker: {stats}");
        Assert.Equal(2, WorkerStates(pool).Count);

        VirtualScheduler.Advance(settings.GracePeriod);

        // Both engines are abandoned by the same tick, each by its own worker: the replacement of the first can be
        // idle before the second worker has told, so the count is awaited, not read once.
        AwaitAssert(() => Assert.Equal((2, 0), (Sync(pool).AbandonedEngines, Sync(pool).RecoveringWorkers)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        AwaitIdleAtTarget(pool);
        Assert.Single(WorkerStates(pool));
    }

    /// <summary>How long the supervisor waits for a recovering worker before replacing it (a quarter of the grace, at most 100 ms).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(100);

    private static (string, FailureKind) Kind(ScriptFailed failed) => (failed.TaskId, failed.Kind);
}
