using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// A budget retirement is invisible: the replacement starts when the old worker is handed its last task (or
/// earlier, by as many tasks as an engine start takes, and stands by), so it is ready before that task ends and
/// no task waits for an engine start.
/// </summary>
public sealed class RespawnSpec : PoolTestKit, IDisposable
{
    private readonly FakeEngineControl _fake = new();

    public RespawnSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
    }

    void IDisposable.Dispose() => _fake.Release.Set();

    [Fact]
    public void PoolSupervisor_should_have_the_successor_ready_while_the_last_task_of_a_budget_runs_and_serve_the_next_task_when_it_ends()
    {
        var pool = StartPool(Settings(workers: 1, budget: 2), fake: _fake);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("t1", "basic", "echo", "[1]"), caller);
        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));

        pool.Supervisor.Tell(new RunScript("last", "basic", "block", "[2]"), caller);
        AwaitRunning(pool, "last");

        // The successor's engine is ready (it stands by, counted as starting) while the last task runs; the pool
        // never runs more than its target of tasks, so t3 waits for the last task, not for an engine start.
        AwaitAssert(
            () =>
            {
                var stats = Sync(pool);
                Assert.True(stats.BusyWorkers == 1 && stats.StartingWorkers == 1 && WorkerStates(pool).Count(w => w.State.State == "idle") == 1, $"the successor is not ready beside the running last task: {stats}");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        pool.Supervisor.Tell(new RunScript("t3", "basic", "echo", "[3]"), caller);
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _fake.Release.Set();
        Assert.Equal(new ScriptSucceeded("last", "[2]"), caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10)));
        Assert.Equal(new ScriptSucceeded("t3", "[3]"), caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10)));
        var after = AwaitIdleAtTarget(pool);
        Assert.Equal(1, after.Retirements[RetirementReason.Budget]);
        Assert.Equal(2, _fake.Created);
        Assert.Single(WorkerStates(pool));
    }

    [Fact]
    public void PoolSupervisor_should_start_the_successor_ahead_by_as_many_tasks_as_an_engine_start_takes_and_keep_the_old_worker_to_its_budget()
    {
        var ranOn = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        _fake.CreateGate.Reset();
        var pool = StartPool(Settings(workers: 1, budget: 10), fake: _fake, observer: new DelegatingObserver
        {
            OnTaskStarted = (worker, id, _, _) => ranOn[id] = worker,
        });
        var caller = CreateTestProbe();
        // The first engine takes 30 ms to start, the first task 10 ms: a start is worth about three tasks.
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(30));
        _fake.CreateGate.Set();
        AwaitIdleAtTarget(pool);
        pool.Supervisor.Tell(new RunScript("t1", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "t1");
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(10));
        _fake.Gate("[1]").Set();
        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));

        var startedAhead = 0;
        for (var i = 2; i <= 10; i++)
        {
            pool.Supervisor.Tell(new RunScript($"t{i}", "basic", "echo", $"[{i}]"), caller);
            caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));
            var stats = Sync(pool);
            if (startedAhead == 0 && stats.StartingWorkers == 1 && i < 10)
            {
                startedAhead = i;
            }
        }

        // The successor started before the last task and waited; the first worker still ran its whole budget.
        Assert.InRange(startedAhead, 2, 9);
        Assert.All(Enumerable.Range(1, 10), i => Assert.Equal("worker-1", ranOn[$"t{i}"]));
        // The successor's engine starts on a real thread (virtual time does not cover it): wait for it to report.
        AwaitAssert(
            () =>
            {
                var after = Sync(pool);
                Assert.True(after.IdleWorkers == 1 && after.StartingWorkers == 0, $"the successor is not serving after the last task: {after}");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        pool.Supervisor.Tell(new RunScript("t11", "basic", "echo", "[11]"), caller);
        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));
        Assert.Equal("worker-2", ranOn["t11"]);
        Assert.Equal(1, AwaitIdleAtTarget(pool).Retirements[RetirementReason.Budget]);
    }

    [Fact]
    public void PoolSupervisor_should_have_a_ready_worker_after_every_task_of_a_steady_load_across_budget_retirements()
    {
        var pool = StartPool(Settings(workers: 1, budget: 3), fake: _fake);
        var caller = CreateTestProbe();
        AwaitIdleAtTarget(pool);

        for (var i = 0; i < 12; i++)
        {
            var id = $"t{i}";
            pool.Supervisor.Tell(new RunScript(id, "basic", "block", $"[{i}]"), caller);
            AwaitRunning(pool, id);
            if (i % 3 == 2)
            {
                // A last task of a budget: the task takes as long as the successor needs to start; it stands by.
                AwaitAssert(
                    () => Assert.True(WorkerStates(pool).Count(w => w.State.State == "idle") == 1, $"the successor is not ready while {id} runs: {Sync(pool)}"),
                    TimeSpan.FromSeconds(10),
                    TimeSpan.FromMilliseconds(20));
            }

            Assert.Equal(new ScriptSucceeded(id, $"[{i}]"), RunReleased(caller, id));
            // The answer leaves the supervisor after it processed the worker's report: the next task finds a ready worker.
            var now = Sync(pool);
            Assert.True(now.IdleWorkers == 1 && now.StartingWorkers == 0 && now.QueueLength == 0, $"after {id} the next task would wait for a worker: {now}");
        }

        var stats = AwaitIdleAtTarget(pool);
        Assert.Equal(4, stats.Retirements[RetirementReason.Budget]);
        Assert.Equal(0, stats.QueueLength);
    }

    private IScriptReply RunReleased(Akka.TestKit.TestProbe caller, string id)
    {
        _fake.Release.Set();
        var answer = caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10));
        _fake.Release.Reset();
        Assert.Equal(id, answer.TaskId);
        return answer;
    }
}
