using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

public sealed class ShutdownSpec(ITestOutputHelper output) : PoolTestKit(VirtualTime, output)
{
    [Fact]
    public void PoolSupervisor_should_drain_in_flight_work_and_answer_the_rest_ShuttingDown()
    {
        var fake = new FakeEngineControl();
        var pool = StartPool(Settings(workers: 1), fake: fake);
        var caller = CreateTestProbe();
        var drainer = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("in-flight", "basic", "block", "[1]"), caller);
        AwaitRunning(pool, "in-flight");
        pool.Supervisor.Tell(new RunScript("queued", "basic", "echo", "[2]"), caller);

        pool.Supervisor.Tell(DrainPool.Instance, drainer);

        var queued = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("queued", FailureKind.ShuttingDown), (queued.TaskId, queued.Kind));
        Assert.True(queued.TaskNeverStarted);
        pool.Supervisor.Tell(new RunScript("late", "basic", "echo", "[3]"), caller);
        Assert.Equal(FailureKind.ShuttingDown, caller.ExpectMsg<ScriptFailed>().Kind);
        drainer.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        fake.Release.Set();
        Assert.Equal("[1]", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
        Assert.Equal(new PoolDrained(1, 0), drainer.ExpectMsg<PoolDrained>(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void PoolSupervisor_should_answer_tasks_still_running_at_the_drain_timeout()
    {
        var pool = StartPool(Settings(workers: 1) with { DrainTimeout = TimeSpan.FromSeconds(3), InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        var drainer = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("endless", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "endless");

        pool.Supervisor.Tell(DrainPool.Instance, drainer);
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromSeconds(3));

        var cut = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("endless", FailureKind.ShuttingDown), (cut.TaskId, cut.Kind));
        Assert.Equal(new PoolDrained(0, 1), drainer.ExpectMsg<PoolDrained>());
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
