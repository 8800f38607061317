using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

public sealed class RecoverySpec(ITestOutputHelper output) : PoolTestKit(VirtualTime, output)
{
    [Fact]
    public void PoolSupervisor_should_answer_WorkerCrashed_for_a_crashed_workers_task_and_return_to_target_size()
    {
        var pool = StartPool(Settings(workers: 2), fake: new FakeEngineControl());
        var caller = CreateTestProbe();
        AwaitIdleAtTarget(pool);

        pool.Supervisor.Tell(new RunScript("crash", "basic", "crash", "[1]"), caller);

        var failed = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal(("crash", FailureKind.WorkerCrashed), (failed.TaskId, failed.Kind));
        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(1, stats.Retirements[RetirementReason.Crashed]);
        pool.Supervisor.Tell(new RunScript("next", "basic", "echo", "[2]"), caller);
        Assert.Equal("[2]", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    [Fact]
    public void PoolSupervisor_should_answer_every_task_it_holds_when_it_fails_itself_and_serve_again_after_its_restart()
    {
        // A defect inside the supervisor, stood in for by a hook that throws while it hands "q" to a worker.
        var fake = new FakeEngineControl();
        // Without pipelining, so "q" and "r" wait in the queue until "a" ends.
        var pool = StartPool(Settings(workers: 1) with { Pipelining = false }, fake: fake, observer: new DelegatingObserver
        {
            OnTaskDispatched = (id, _, _) =>
            {
                if (id == "q")
                {
                    throw new InvalidOperationException("defect");
                }
            },
        });
        var caller = CreateTestProbe();
        AwaitIdleAtTarget(pool);
        pool.Supervisor.Tell(new RunScript("a", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "a");
        pool.Supervisor.Tell(new RunScript("q", "basic", "echo", "[2]"), caller);
        pool.Supervisor.Tell(new RunScript("r", "basic", "echo", "[3]"), caller);
        Sync(pool);

        fake.Gate("[1]").Set();

        Assert.Equal("a", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).TaskId);
        var q = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10));
        var r = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal(("q", FailureKind.WorkerCrashed), (q.TaskId, q.Kind));
        Assert.Contains("supervisor failed (InvalidOperationException)", q.Message, StringComparison.Ordinal);
        Assert.Equal(("r", FailureKind.WorkerCrashed, true), (r.TaskId, r.Kind, r.TaskNeverStarted));
        pool.Supervisor.Tell(new RunScript("next", "basic", "echo", "[4]"), caller);
        Assert.Equal("[4]", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    [Fact]
    public void PoolSupervisor_should_back_off_latch_unavailable_and_recover_by_itself_when_the_module_is_fixed()
    {
        var modules = TestModules.Source().Set("broken", "export function f( {");
        var settings = Settings(workers: 2) with
        {
            PreloadModules = ["broken"],
            MinBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(8),
            BackoffRandomFactor = 0,
            CircuitFailureThreshold = 4,
        };
        var pool = StartPool(settings, modules);
        var caller = CreateTestProbe();

        // Both first starts fail; the next attempt waits for the back-off (2 s after the second failure).
        AwaitStartFailures(pool, 2);
        pool.Supervisor.Tell(new RunScript("early", "basic", "echo", "[1]"), caller);
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(1900));
        Assert.Equal(2, Sync(pool).ConsecutiveStartFailures);
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(200));
        AwaitStartFailures(pool, 4);

        // Latched: the queued task and new ones are answered at once.
        var queued = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("early", FailureKind.PoolUnavailable), (queued.TaskId, queued.Kind));
        pool.Supervisor.Tell(new RunScript("fast", "basic", "echo", "[1]"), caller);
        var fast = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(FailureKind.PoolUnavailable, fast.Kind);
        Assert.True(fast.Message.Contains("does not parse", StringComparison.Ordinal), fast.Message);

        // Fix the module: the next half-open probe starts, and the pool fills up again.
        modules.Set("broken", "export function f() { return 1; }");
        VirtualScheduler.Advance(TimeSpan.FromSeconds(8));
        var stats = AwaitIdleAtTarget(pool);
        Assert.False(stats.Latched);
        pool.Supervisor.Tell(new RunScript("after", "basic", "echo", "[3]"), caller);
        Assert.Equal("3", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    private void AwaitStartFailures(ScriptPool pool, int count) =>
        AwaitAssert(
            () =>
            {
                pool.Supervisor.Tell(GetPoolStats.Instance, TestActor);
                var stats = ExpectMsg<PoolStats>();
                Assert.Equal(count, stats.ConsecutiveStartFailures);
                Assert.Equal(0, stats.StartingWorkers);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
}
