using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Xunit.Abstractions;

namespace ActorPool.Tests.Workers;

public sealed class TimeoutSpec(ITestOutputHelper output) : PoolTestKit(VirtualTime, output)
{
    // Cutting off an endless loop (plain, and one that catches everything) at the in-flight timeout and serving the
    // next task is pinned once per engine by PoolConformanceSpec.Pool_should_cut_off_an_endless_loop_at_the_in_flight_timeout_and_serve_the_next_call
    // (tests/ActorPool.Engines.Tests/Conformance), Jint included.

    [Fact]
    public void ScriptWorker_should_not_postpone_the_in_flight_timeout_for_stats_queries()
    {
        var pool = StartPool(Settings());
        var caller = CreateTestProbe();
        var observer = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("loop", "faults", "spin", "[]"), caller);
        var worker = AwaitRunning(pool, "loop");
        for (var i = 0; i < 10; i++)
        {
            VirtualScheduler.Advance(TimeSpan.FromMilliseconds(490));
            worker.Tell(WorkerProtocol.GetWorkerState.Instance, observer);
            observer.ExpectMsg<WorkerProtocol.WorkerState>();
            pool.Supervisor.Tell(GetPoolStats.Instance, observer);
            observer.ExpectMsg<PoolStats>();
        }

        // 4.9 s of virtual time with a query every 0.49 s: a timer reset by queries would need 5 s more.
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(110));
        Assert.Equal(FailureKind.Timeout, caller.ExpectMsg<ScriptFailed>().Kind);
    }

    [Fact]
    public void ScriptWorker_should_limit_the_run_to_the_callers_deadline()
    {
        var pool = StartPool(Settings());
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("loop", "faults", "spin", "[]", Deadline: TimeSpan.FromSeconds(1)), caller);
        AwaitRunning(pool, "loop");
        VirtualScheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(FailureKind.Timeout, caller.ExpectMsg<ScriptFailed>().Kind);
    }

    [Fact]
    public void ScriptWorker_should_retire_when_its_engine_thread_does_not_come_back_within_the_grace_period()
    {
        var fake = new FakeEngineControl();
        var pool = StartPool(Settings(), fake: fake);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("stuck", "basic", "hang", "[1]"), caller);
        AwaitRunning(pool, "stuck");
        VirtualScheduler.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(FailureKind.Timeout, caller.ExpectMsg<ScriptFailed>().Kind);
        VirtualScheduler.Advance(TimeSpan.FromSeconds(2));

        AwaitAssert(() => Assert.Equal(1, Sync(pool).AbandonedEngines), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(1, stats.Retirements[RetirementReason.EngineAbandoned]);
        pool.Supervisor.Tell(new RunScript("next", "basic", "echo", "[2]"), caller);
        Assert.Equal("[2]", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
        fake.Release.Set();
    }
}
