using ActorPool.Configuration;
using ActorPool.Pool;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Tests.Pool;

/// <summary>
/// A supervisor created alone: its workers are stubs that forward to a probe, and the spec answers for them.
/// Covers the supervisor's phases (serving, backing off, latched, probing, draining, drained) and how it
/// handles each worker report.
/// </summary>
public sealed class PoolSupervisorSpec : PoolTestKit
{
    private readonly TestProbe _workers;
    private readonly TestProbe _caller;

    public PoolSupervisorSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
        _workers = CreateTestProbe();
        _caller = CreateTestProbe();
    }

    [Fact]
    public void PoolSupervisor_should_start_its_target_of_workers_and_dispatch_to_a_ready_one()
    {
        var supervisor = StartSupervisor(Settings(workers: 2));
        var first = Spawned();
        Spawned();

        supervisor.Tell(new WorkerReady(), first);
        supervisor.Tell(Run("t1"), _caller);

        var start = _workers.ExpectMsg<StartTask>();
        Assert.Equal(("t1", first), (start.Command.TaskId, _workers.LastSender));
        Assert.Equal(Settings().InFlightTimeout, start.Calls.Single().RunLimit);
    }

    [Fact]
    public void PoolSupervisor_should_forward_a_workers_answer_to_the_caller_and_dispatch_the_next_task()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        supervisor.Tell(Run("t1"), _caller);
        supervisor.Tell(Run("t2"), _caller);
        _workers.ExpectMsg<StartTask>();

        supervisor.Tell(new TaskFinished("t1", new ScriptSucceeded("t1", "1"), WorkerNext.Idle), worker);

        Assert.Equal(new ScriptSucceeded("t1", "1"), _caller.ExpectMsg<ScriptSucceeded>());
        Assert.Equal("t2", _workers.ExpectMsg<StartTask>().Command.TaskId);
    }

    [Fact]
    public void PoolSupervisor_should_answer_and_replace_a_worker_that_never_answers()
    {
        var settings = Settings(workers: 1);
        var supervisor = StartSupervisor(settings);
        var worker = Ready(supervisor);
        Watch(worker);
        supervisor.Tell(Run("silent"), _caller);
        _workers.ExpectMsg<StartTask>();
        Stats(supervisor);

        VirtualScheduler.Advance(settings.InFlightTimeout + settings.GracePeriod - TimeSpan.FromMilliseconds(200));
        _caller.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(300));

        Assert.Equal(FailureKind.WorkerCrashed, _caller.ExpectMsg<ScriptFailed>().Kind);
        ExpectTerminated(worker);
        Spawned();
        Assert.Equal(1, Stats(supervisor).Retirements[RetirementReason.Unresponsive]);
    }

    [Fact]
    public void PoolSupervisor_should_retire_a_worker_that_answers_a_task_it_was_not_running()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        Watch(worker);

        supervisor.Tell(new TaskFinished("stray", new ScriptSucceeded("stray", "null"), WorkerNext.Idle), worker);

        ExpectTerminated(worker);
        Spawned();
        Assert.Equal(1, Stats(supervisor).Retirements[RetirementReason.StrayReply]);
        _caller.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void PoolSupervisor_should_answer_WorkerCrashed_when_a_busy_worker_dies_and_replace_it()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        supervisor.Tell(Run("t1"), _caller);
        _workers.ExpectMsg<StartTask>();

        Sys.Stop(worker);

        var failed = _caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("t1", FailureKind.WorkerCrashed), (failed.TaskId, failed.Kind));
        Spawned();
    }

    [Fact]
    public void PoolSupervisor_should_start_the_replacement_when_a_worker_says_it_retires()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);

        supervisor.Tell(new WorkerRetiring(RetirementReason.ModuleLimit), worker);

        Spawned();
        Assert.Equal(1, Stats(supervisor).Retirements[RetirementReason.ModuleLimit]);
    }

    [Fact]
    public void PoolSupervisor_should_start_the_replacement_with_the_last_task_of_a_budget_and_never_dispatch_past_it()
    {
        var supervisor = StartSupervisor(Settings(workers: 1, budget: 1));
        var worker = Ready(supervisor);

        supervisor.Tell(Run("t1"), _caller);
        supervisor.Tell(Run("t2"), _caller);

        var handed = _workers.ReceiveN(2);
        Assert.True(handed.OfType<StartTask>().Single().Last);
        var replacement = handed.OfType<StubSpawned>().Single().Worker;
        supervisor.Tell(new TaskFinished("t1", new ScriptSucceeded("t1", "1"), WorkerNext.Retiring), worker);
        _caller.ExpectMsg<ScriptSucceeded>();
        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Stats(supervisor).QueueLength);
        supervisor.Tell(new WorkerReady(), replacement);
        var next = _workers.ReceiveN(2);
        Assert.Equal("t2", next.OfType<StartTask>().Single().Command.TaskId);
        Assert.Single(next.OfType<StubSpawned>());
        supervisor.Tell(new WorkerRetiring(RetirementReason.Budget), worker);
        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Stats(supervisor).Retirements[RetirementReason.Budget]);
    }

    [Fact]
    public void PoolSupervisor_should_replace_a_recovering_worker_at_once_and_stop_it_when_it_comes_back()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        Watch(worker);
        supervisor.Tell(Run("t1"), _caller);
        _workers.ExpectMsg<StartTask>();

        supervisor.Tell(new TaskFinished("t1", new ScriptFailed("t1", FailureKind.Timeout, "cut off"), WorkerNext.Recovering), worker);

        Assert.Equal(FailureKind.Timeout, _caller.ExpectMsg<ScriptFailed>().Kind);
        // At once, not after a timer: the tasks behind it wait at most an engine start.
        var replacement = Spawned();
        Assert.Equal(1, Stats(supervisor).RecoveringWorkers);
        supervisor.Tell(new WorkerReady(), replacement);
        supervisor.Tell(new WorkerAvailable(), worker);
        ExpectTerminated(worker);
        var stats = Stats(supervisor);
        Assert.True((stats.IdleWorkers, stats.RecoveringWorkers) == (1, 0), stats.ToString());
    }

    [Fact]
    public void PoolSupervisor_should_not_replace_a_worker_whose_engine_thread_is_back_and_renews_its_engine()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        supervisor.Tell(Run("t1"), _caller);
        _workers.ExpectMsg<StartTask>();
        supervisor.Tell(new TaskFinished("t1", new ScriptFailed("t1", FailureKind.LimitExceeded, "suspect engine"), WorkerNext.Renewing), worker);
        _caller.ExpectMsg<ScriptFailed>();

        supervisor.Tell(new WorkerAvailable(), worker);
        Stats(supervisor);
        VirtualScheduler.Advance(TimeSpan.FromSeconds(1));

        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        supervisor.Tell(Run("t2"), _caller);
        Assert.Equal(("t2", worker), (_workers.ExpectMsg<StartTask>().Command.TaskId, _workers.LastSender));
    }

    [Fact]
    public void PoolSupervisor_should_put_a_recovered_worker_back_in_service_when_its_replacement_failed_to_start()
    {
        var supervisor = StartSupervisor(BackoffSettings(threshold: 5));
        var worker = Ready(supervisor);
        supervisor.Tell(Run("t1"), _caller);
        _workers.ExpectMsg<StartTask>();
        supervisor.Tell(new TaskFinished("t1", new ScriptFailed("t1", FailureKind.Timeout, "cut off"), WorkerNext.Recovering), worker);
        _caller.ExpectMsg<ScriptFailed>();
        supervisor.Tell(new WorkerStartFailed("no engine"), Spawned());

        supervisor.Tell(new WorkerAvailable(), worker);
        supervisor.Tell(Run("t2"), _caller);

        Assert.Equal("t2", _workers.ExpectMsg<StartTask>().Command.TaskId);
        Assert.Equal(worker, _workers.LastSender);
    }

    [Fact]
    public void PoolSupervisor_should_back_off_after_a_failed_start_and_start_again_when_the_back_off_ends()
    {
        var settings = BackoffSettings(threshold: 5);
        var supervisor = StartSupervisor(settings);
        var worker = Spawned();

        supervisor.Tell(new WorkerStartFailed("no engine"), worker);

        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal((1, false), (Stats(supervisor).ConsecutiveStartFailures, Stats(supervisor).Latched));
        VirtualScheduler.Advance(settings.MinBackoff);
        Spawned();
    }

    [Fact]
    public void PoolSupervisor_should_latch_unavailable_after_the_threshold_and_probe_with_one_worker()
    {
        var settings = BackoffSettings(threshold: 2) with { Workers = 2 };
        var supervisor = StartSupervisor(settings);
        supervisor.Tell(new WorkerStartFailed("no engine"), Spawned());
        supervisor.Tell(new WorkerStartFailed("no engine"), Spawned());

        supervisor.Tell(Run("t1"), _caller);

        var failed = _caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(FailureKind.PoolUnavailable, failed.Kind);
        Assert.Contains("no engine", failed.Message, StringComparison.Ordinal);
        Assert.True(Stats(supervisor).Latched);
        VirtualScheduler.Advance(settings.MaxBackoff);
        var probe = Spawned();
        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        supervisor.Tell(new WorkerReady(), probe);

        Spawned();
        Assert.False(Stats(supervisor).Latched);
    }

    [Fact]
    public void PoolSupervisor_should_back_off_again_when_the_probe_fails()
    {
        var settings = BackoffSettings(threshold: 1);
        var supervisor = StartSupervisor(settings);
        supervisor.Tell(new WorkerStartFailed("no engine"), Spawned());
        Stats(supervisor);
        VirtualScheduler.Advance(settings.MaxBackoff);
        var probe = Spawned();

        supervisor.Tell(new WorkerStartFailed("still no engine"), probe);

        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var stats = Stats(supervisor);
        Assert.Equal((2, true), (stats.ConsecutiveStartFailures, stats.Latched));
        VirtualScheduler.Advance(settings.MaxBackoff);
        Spawned();
    }

    [Fact]
    public void PoolSupervisor_should_drain_answer_queued_tasks_and_report_when_the_last_task_in_flight_is_answered()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));
        var worker = Ready(supervisor);
        Watch(worker);
        supervisor.Tell(Run("running"), _caller);
        supervisor.Tell(Run("queued"), _caller);
        _workers.ExpectMsg<StartTask>();
        var drainer = CreateTestProbe();

        supervisor.Tell(DrainPool.Instance, drainer);

        Assert.Equal(("queued", FailureKind.ShuttingDown), Kind(_caller.ExpectMsg<ScriptFailed>()));
        supervisor.Tell(Run("late"), _caller);
        Assert.Equal(("late", FailureKind.ShuttingDown), Kind(_caller.ExpectMsg<ScriptFailed>()));
        Assert.True(Stats(supervisor).Draining);
        drainer.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        supervisor.Tell(new TaskFinished("running", new ScriptSucceeded("running", "1"), WorkerNext.Idle), worker);
        Assert.Equal(new PoolDrained(1, 0), drainer.ExpectMsg<PoolDrained>());
        ExpectTerminated(worker);

        supervisor.Tell(DrainPool.Instance, drainer);
        Assert.Equal(new PoolDrained(1, 0), drainer.ExpectMsg<PoolDrained>());
    }

    [Fact]
    public void PoolSupervisor_should_not_start_workers_while_draining()
    {
        var supervisor = StartSupervisor(BackoffSettings(threshold: 5) with { DrainTimeout = TimeSpan.FromSeconds(1) });
        var worker = Spawned();
        supervisor.Tell(DrainPool.Instance, TestActor);
        ExpectMsg<PoolDrained>();

        supervisor.Tell(new WorkerStartFailed("no engine"), worker);
        Stats(supervisor);
        VirtualScheduler.Advance(TimeSpan.FromSeconds(10));

        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void PoolSupervisor_should_answer_a_batch_once_with_one_reply_per_call_in_call_order()
    {
        var supervisor = StartSupervisor(Settings(workers: 1) with { MaxQueueLength = 2 });
        var worker = Ready(supervisor);
        supervisor.Tell(Run("before"), _caller);
        _workers.ExpectMsg<StartTask>();

        // "before" runs, b1 and b2 wait: the queue is full for b3; "before" is in flight, so b4 is a duplicate.
        supervisor.Tell(new RunScriptBatch("batch", [Run("b1"), Run("b2"), Run("b3"), Run("before"), new RunScript("b5", "basic", "bad name!", "[]")]), _caller);
        _caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        supervisor.Tell(new TaskFinished("before", new ScriptSucceeded("before", "0"), WorkerNext.Idle), worker);
        Assert.Equal("before", _caller.ExpectMsg<ScriptSucceeded>().TaskId);

        // The two queued calls of the batch leave as one job.
        Assert.Equal(["b1", "b2"], _workers.ExpectMsg<StartTask>().Calls.Select(c => c.Command.TaskId));
        supervisor.Tell(new TaskFinished("b1", [new ScriptSucceeded("b1", "1"), new ScriptFailed("b2", FailureKind.ScriptError, "boom")], WorkerNext.Idle), worker);

        var batch = _caller.ExpectMsg<ScriptBatchCompleted>();
        Assert.Equal("batch", batch.TaskId);
        Assert.Equal(["b1", "b2", "b3", "before", "b5"], batch.Replies.Select(r => r.TaskId));
        Assert.Equal(new ScriptSucceeded("b1", "1"), batch.Replies[0]);
        Assert.Equal(
            [FailureKind.ScriptError, FailureKind.Overloaded, FailureKind.InvalidRequest, FailureKind.InvalidRequest],
            batch.Replies.Skip(1).Cast<ScriptFailed>().Select(f => f.Kind));
        _caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void PoolSupervisor_should_refuse_a_batch_without_an_id_as_a_whole()
    {
        var supervisor = StartSupervisor(Settings(workers: 1));

        supervisor.Tell(new RunScriptBatch(string.Empty, [Run("b1")]), _caller);

        Assert.Equal((string.Empty, FailureKind.InvalidRequest), Kind(_caller.ExpectMsg<ScriptFailed>()));
        _workers.ExpectMsg<StubSpawned>();
        _workers.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void PoolSupervisor_should_report_each_worker_with_its_state_budget_and_the_task_it_runs()
    {
        var supervisor = StartSupervisor(Settings(workers: 2, budget: 50));
        var first = Spawned();
        var second = Spawned();
        supervisor.Tell(new WorkerReady(), first);
        supervisor.Tell(new RunScript("t1", "text", "reverse", "[\"abc\"]"), _caller);
        _workers.ExpectMsg<StartTask>();

        var workers = Stats(supervisor).Workers;

        Assert.Equal(2, workers.Count);
        var busy = workers.Single(w => w.Name == first.Path.Name);
        Assert.Equal((first.Path.Name, WorkerStatus.Busy, 1, 50, "text", "reverse"), (busy.Name, busy.State, busy.TasksRun, busy.Budget, busy.Module, busy.Function));
        Assert.True(busy.RunningFor >= TimeSpan.Zero, $"running for {busy.RunningFor}");
        var starting = workers.Single(w => w.Name == second.Path.Name);
        Assert.Equal((second.Path.Name, WorkerStatus.Starting, 0, 50, null, null, null), (starting.Name, starting.State, starting.TasksRun, starting.Budget, starting.Module, starting.Function, starting.RunningFor));
        Assert.All(workers, w => Assert.Equal("jint", w.Engine));
    }

    private static (string, FailureKind) Kind(ScriptFailed failed) => (failed.TaskId, failed.Kind);

    private static RunScript Run(string id) => new(id, "basic", "echo", "[1]");

    private static PoolSettings BackoffSettings(int threshold) => Settings(workers: 1) with
    {
        MinBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(4),
        BackoffRandomFactor = 0,
        CircuitFailureThreshold = threshold,
    };

    private IActorRef StartSupervisor(PoolSettings settings)
    {
        var probe = _workers.Ref;
        return Sys.ActorOf(PoolSupervisor.Props(settings, FakeSetup(settings, new FakeEngineControl()), seed: 1, (_, budget, _) => Props.Create(() => new StubWorker(probe, budget))));
    }

    private IActorRef Spawned() => _workers.ExpectMsg<StubSpawned>().Worker;

    private IActorRef Ready(IActorRef supervisor)
    {
        var worker = Spawned();
        supervisor.Tell(new WorkerReady(), worker);
        return worker;
    }

    private PoolStats Stats(IActorRef supervisor)
    {
        var probe = CreateTestProbe();
        supervisor.Tell(GetPoolStats.Instance, probe);
        return probe.ExpectMsg<PoolStats>();
    }
}
