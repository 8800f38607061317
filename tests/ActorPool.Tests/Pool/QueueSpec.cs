using System.Collections.Concurrent;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

public sealed class QueueSpec(ITestOutputHelper output) : PoolTestKit(VirtualTime, output)
{
    [Fact]
    public void PoolSupervisor_should_answer_queued_tasks_past_max_task_age_from_the_sweep_and_never_run_them()
    {
        var ran = new ConcurrentBag<string>();
        var pool = StartPool(
            Settings() with { MaxTaskAge = TimeSpan.FromSeconds(1), InFlightTimeout = TimeSpan.FromSeconds(30) },
            observer: new DelegatingObserver { OnCallStarting = id => ran.Add(id) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("busy", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "busy");

        for (var i = 0; i < 5; i++)
        {
            pool.Supervisor.Tell(new RunScript($"queued-{i}", "basic", "echo", "[1]"), caller);
        }

        Sync(pool);

        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(900));
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(200));

        var expired = caller.ReceiveN(5).Cast<ScriptFailed>().ToList();
        Assert.All(expired, f => Assert.Equal(FailureKind.QueueExpired, f.Kind));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"queued-{i}"), expired.Select(f => f.TaskId));

        // Free the worker: the expired tasks must still never start.
        pool.Supervisor.Tell(new CancelScript("busy"), caller);
        Assert.Equal(FailureKind.Cancelled, caller.ExpectMsg<ScriptFailed>().Kind);
        pool.Supervisor.Tell(new RunScript("after", "basic", "echo", "[2]"), caller);
        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));
        Assert.Equal(["after", "busy"], ran.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PoolSupervisor_should_expire_a_queued_task_at_its_callers_deadline()
    {
        var pool = StartPool(Settings() with { InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("busy", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "busy");

        pool.Supervisor.Tell(new RunScript("hurried", "basic", "echo", "[1]", Deadline: TimeSpan.FromMilliseconds(300)), caller);
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(400));

        var failed = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("hurried", FailureKind.QueueExpired), (failed.TaskId, failed.Kind));
        Assert.Contains("deadline", failed.Message, StringComparison.Ordinal);
        pool.Supervisor.Tell(new CancelScript("busy"), caller);
        caller.ExpectMsg<ScriptFailed>();
    }

    [Fact]
    public void PoolSupervisor_should_answer_Overloaded_at_once_when_the_queue_is_full()
    {
        var pool = StartPool(Settings() with { MaxQueueLength = 2, InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("busy", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "busy");
        // q1 and q2 wait in the queue: both count against the bound.
        pool.Supervisor.Tell(new RunScript("q1", "basic", "echo", "[1]"), caller);
        pool.Supervisor.Tell(new RunScript("q2", "basic", "echo", "[2]"), caller);

        pool.Supervisor.Tell(new RunScript("q3", "basic", "echo", "[3]"), caller);

        var rejected = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("q3", FailureKind.Overloaded), (rejected.TaskId, rejected.Kind));
        Assert.Contains("max-queue-length", rejected.Message, StringComparison.Ordinal);
        pool.Supervisor.Tell(GetPoolStats.Instance, caller);
        Assert.Equal(2, caller.ExpectMsg<PoolStats>().QueueLength);
        pool.Supervisor.Tell(new CancelScript("busy"), caller);
        var rest = caller.ReceiveN(3, TimeSpan.FromSeconds(10)).Cast<IScriptReply>().Select(r => r.TaskId).Order(StringComparer.Ordinal);
        Assert.Equal(["busy", "q1", "q2"], rest);
    }

    [Fact]
    public void PoolSupervisor_should_cancel_queued_and_in_flight_tasks()
    {
        var pool = StartPool(Settings() with { InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("running", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "running");
        pool.Supervisor.Tell(new RunScript("waiting", "basic", "echo", "[1]"), caller);

        pool.Supervisor.Tell(new CancelScript("waiting"), caller);
        var first = caller.ExpectMsg<ScriptFailed>();
        pool.Supervisor.Tell(new CancelScript("running"), caller);
        var second = caller.ExpectMsg<ScriptFailed>();

        Assert.Equal(("waiting", FailureKind.Cancelled), (first.TaskId, first.Kind));
        Assert.Equal(("running", FailureKind.Cancelled), (second.TaskId, second.Kind));
        pool.Supervisor.Tell(new CancelScript("unknown"), caller);
        pool.Supervisor.Tell(new RunScript("next", "basic", "echo", "[5]"), caller);
        Assert.Equal("5", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    [Fact]
    public void PoolSupervisor_should_reject_a_duplicate_task_id_in_flight()
    {
        var pool = StartPool(Settings() with { InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("same", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "same");

        pool.Supervisor.Tell(new RunScript("same", "basic", "echo", "[1]"), caller);

        Assert.Equal(FailureKind.InvalidRequest, caller.ExpectMsg<ScriptFailed>().Kind);
        pool.Supervisor.Tell(new CancelScript("same"), caller);
        Assert.Equal(FailureKind.Cancelled, caller.ExpectMsg<ScriptFailed>().Kind);
    }
}
