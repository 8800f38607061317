using System.Collections.Concurrent;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// Pipelining: a running worker holds the next task so its engine thread goes straight on to it. A held task
/// still obeys max age, the caller's deadline and cancellation (answered, never run late), is taken back when
/// its worker's current task is cut off, and moves to a worker that goes idle.
/// </summary>
public sealed class PipeliningSpec : PoolTestKit, IDisposable
{
    private readonly FakeEngineControl _fake = new();
    private readonly ConcurrentQueue<string> _ran = new();

    public PipeliningSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
    }

    void IDisposable.Dispose() => _fake.Release.Set();

    [Fact]
    public void PoolSupervisor_should_hand_a_running_worker_its_next_task_and_answer_both()
    {
        var pool = Start(Settings(workers: 1));
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("t1", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "t1");

        pool.Supervisor.Tell(new RunScript("t2", "basic", "echo", "[2]"), caller);
        // Held, not started: it still counts as waiting.
        Assert.Equal(1, Sync(pool).QueueLength);
        _fake.Gate("[1]").Set();

        Assert.Equal("t1", caller.ExpectMsg<ScriptSucceeded>().TaskId);
        Assert.Equal("t2", caller.ExpectMsg<ScriptSucceeded>().TaskId);
        Assert.Equal(["t1", "t2"], _ran);
    }

    [Fact]
    public void PoolSupervisor_should_answer_a_held_task_past_its_max_age_and_never_run_it()
    {
        var settings = Settings(workers: 1) with { MaxTaskAge = TimeSpan.FromSeconds(1), InFlightTimeout = TimeSpan.FromSeconds(30) };
        var pool = Start(settings);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("t1", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "t1");
        pool.Supervisor.Tell(new RunScript("held", "basic", "echo", "[2]"), caller);
        Sync(pool);

        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(1100));

        var expired = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("held", FailureKind.QueueExpired, true), (expired.TaskId, expired.Kind, expired.TaskNeverStarted));
        _fake.Gate("[1]").Set();
        Assert.Equal("t1", caller.ExpectMsg<ScriptSucceeded>().TaskId);
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["t1"], _ran);
    }

    [Fact]
    public void PoolSupervisor_should_answer_a_held_task_at_its_callers_deadline_and_never_run_it()
    {
        var pool = Start(Settings(workers: 1) with { InFlightTimeout = TimeSpan.FromSeconds(30) });
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("t1", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "t1");
        pool.Supervisor.Tell(new RunScript("hurried", "basic", "echo", "[2]", Deadline: TimeSpan.FromMilliseconds(300)), caller);
        Sync(pool);

        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(400));

        var expired = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("hurried", FailureKind.QueueExpired), (expired.TaskId, expired.Kind));
        Assert.Contains("deadline", expired.Message, StringComparison.Ordinal);
        _fake.Gate("[1]").Set();
        caller.ExpectMsg<ScriptSucceeded>();
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["t1"], _ran);
    }

    [Fact]
    public void PoolSupervisor_should_cancel_a_held_task_before_it_starts()
    {
        var pool = Start(Settings(workers: 1));
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("t1", "basic", "gate", "[1]"), caller);
        AwaitRunning(pool, "t1");
        pool.Supervisor.Tell(new RunScript("held", "basic", "echo", "[2]"), caller);

        pool.Supervisor.Tell(new CancelScript("held"), caller);

        var cancelled = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("held", FailureKind.Cancelled, true), (cancelled.TaskId, cancelled.Kind, cancelled.TaskNeverStarted));
        _fake.Gate("[1]").Set();
        caller.ExpectMsg<ScriptSucceeded>();
        pool.Supervisor.Tell(new RunScript("t3", "basic", "echo", "[3]"), caller);
        Assert.Equal("t3", caller.ExpectMsg<ScriptSucceeded>().TaskId);
        Assert.Equal(["t1", "t3"], _ran);
    }

    [Fact]
    public void PoolSupervisor_should_queue_a_held_task_again_when_its_workers_task_is_cut_off_and_run_it_on_the_replacement()
    {
        var settings = Settings(workers: 1);
        var pool = Start(settings);
        var caller = CreateTestProbe();
        pool.Supervisor.Tell(new RunScript("stuck", "basic", "hang", "[1]"), caller);
        AwaitRunning(pool, "stuck");
        // On its engine too: a cut-off before the engine thread picked it up would let "held" run first elsewhere.
        AwaitCondition(() => _ran.Contains("stuck"));
        pool.Supervisor.Tell(new RunScript("held", "basic", "echo", "[2]"), caller);
        Sync(pool);

        VirtualScheduler.Advance(settings.InFlightTimeout);

        Assert.Equal(("stuck", FailureKind.Timeout), (caller.ExpectMsg<ScriptFailed>() is var f ? (f.TaskId, f.Kind) : default));
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(new ScriptSucceeded("held", "[2]"), caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(10)));
        Assert.Equal(["stuck", "held"], _ran);
    }

    [Fact]
    public void PoolSupervisor_should_move_a_held_task_to_a_worker_that_goes_idle()
    {
        var pool = Start(Settings(workers: 2));
        var caller = RunTwoGatedTasks(pool);
        pool.Supervisor.Tell(new RunScript("c", "basic", "echo", "[3]"), caller);
        Sync(pool);

        _fake.Gate("[1]").Set();

        // Whichever worker holds c, it runs now: on a's worker next, or moved there from b's, which still runs.
        var answers = caller.ReceiveN(2, TimeSpan.FromSeconds(10)).Cast<IScriptReply>().Select(r => r.TaskId).Order(StringComparer.Ordinal);
        Assert.Equal(["a", "c"], answers);
        _fake.Gate("[2]").Set();
        Assert.Equal("b", caller.ExpectMsg<ScriptSucceeded>().TaskId);
    }

    [Fact]
    public void PoolSupervisor_should_move_a_held_task_to_an_idle_worker_as_its_last_task_and_start_that_workers_replacement()
    {
        // Budget 2: the worker that goes idle has one task left, so the moved task is its last and its replacement
        // starts while the supervisor is still moving held tasks.
        var workerOf = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var pool = StartPool(Settings(workers: 2, budget: 2) with { Pipelining = true }, fake: _fake, hooks: new WorkerTestHooks
        {
            BeforeRun = _ran.Enqueue,
            TaskStarted = (worker, id, _, _) => workerOf[id] = worker,
        });
        var caller = RunTwoGatedTasks(pool);
        // Replacements cannot start yet (the holder of c spends its budget on it and is replaced at once).
        _fake.CreateGate.Reset();
        pool.Supervisor.Tell(new RunScript("c", "basic", "echo", "[3]"), caller);
        AwaitCondition(() => workerOf.ContainsKey("c"));
        var (free, gate, other, otherGate) = workerOf["a"] == workerOf["c"] ? ("b", "[2]", "a", "[1]") : ("a", "[1]", "b", "[2]");

        _fake.Gate(gate).Set();

        var answers = caller.ReceiveN(2, TimeSpan.FromSeconds(10)).Cast<IScriptReply>().ToList();
        Assert.Equal([free, "c"], answers.Select(r => r.TaskId).Order(StringComparer.Ordinal));
        Assert.All(answers, r => Assert.IsType<ScriptSucceeded>(r));
        Assert.Equal(workerOf[free], workerOf["c"]);
        _fake.CreateGate.Set();
        _fake.Gate(otherGate).Set();
        Assert.Equal(other, caller.ExpectMsg<ScriptSucceeded>().TaskId);
        // Both workers spent their budgets; their replacements serve.
        pool.Supervisor.Tell(new RunScript("d", "basic", "echo", "[4]"), caller);
        Assert.Equal("d", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).TaskId);
        Assert.Equal(2, AwaitIdleAtTarget(pool).Retirements[RetirementReason.Budget]);
    }

    /// <summary>Runs "a" (gate [1]) and "b" (gate [2]) on the two workers of <paramref name="pool"/>; returns their caller.</summary>
    private Akka.TestKit.TestProbe RunTwoGatedTasks(ScriptPool pool)
    {
        var caller = CreateTestProbe();
        AwaitIdleAtTarget(pool);
        pool.Supervisor.Tell(new RunScript("a", "basic", "gate", "[1]"), caller);
        pool.Supervisor.Tell(new RunScript("b", "basic", "gate", "[2]"), caller);
        AwaitRunning(pool, "a");
        AwaitRunning(pool, "b");
        return caller;
    }

    private ScriptPool Start(ActorPool.Configuration.PoolSettings settings) =>
        StartPool(settings with { Pipelining = true }, fake: _fake, hooks: new WorkerTestHooks { BeforeRun = _ran.Enqueue });
}
