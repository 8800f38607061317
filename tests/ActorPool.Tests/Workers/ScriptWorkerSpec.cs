using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Tests.Workers;

/// <summary>
/// One worker created alone: a probe is its supervisor, a fake engine its engine, virtual time its clock.
/// Covers every transition of its lifecycle (starting, idle, running, recovering, retiring, start-failed).
/// </summary>
public sealed class ScriptWorkerSpec : PoolTestKit, IDisposable
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(1);
    private readonly FakeEngineControl _fake = new();
    private readonly TestProbe _supervisor;

    public ScriptWorkerSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
        _supervisor = CreateTestProbe();
    }

    void IDisposable.Dispose() => _fake.Release.Set();

    [Fact]
    public void ScriptWorker_should_report_ready_and_be_idle_once_its_engine_started()
    {
        var worker = StartWorker();

        Assert.Equal("idle", StateOf(worker).State);
        Assert.Equal(1, _fake.Created);
    }

    [Fact]
    public void ScriptWorker_should_report_a_failed_start_and_wait_to_be_stopped()
    {
        _fake.FailNextCreates(1);
        var worker = Sys.ActorOf(ScriptWorker.Props(FakeSetup(Settings(), _fake), 10, _supervisor.Ref));

        Assert.Contains("refused to start", _supervisor.ExpectMsg<WorkerStartFailed>().Reason, StringComparison.Ordinal);
        Assert.Equal("start-failed", StateOf(worker).State);
    }

    [Fact]
    public void ScriptWorker_should_answer_and_retire_when_sent_a_task_while_starting()
    {
        _fake.CreateGate.Reset();
        var worker = Sys.ActorOf(ScriptWorker.Props(FakeSetup(Settings(), _fake), 10, _supervisor.Ref));
        Watch(worker);

        worker.Tell(Start("early", "echo"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(("early", FailureKind.WorkerCrashed, WorkerNext.Retiring), (finished.TaskId, ((ScriptFailed)finished.Reply!).Kind, finished.Next));
        Assert.True(((ScriptFailed)finished.Reply!).TaskNeverStarted);
        Assert.Equal(RetirementReason.Crashed, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
        _fake.CreateGate.Set();
    }

    [Fact]
    public void ScriptWorker_should_run_a_task_answer_its_supervisor_and_be_idle_again()
    {
        var worker = StartWorker();

        worker.Tell(Start("t1", "echo", "[1]"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(new TaskFinished("t1", new ScriptSucceeded("t1", "[1]"), WorkerNext.Idle), finished);
        Assert.Equal(("idle", 1), (StateOf(worker).State, StateOf(worker).TasksRun));
    }

    [Fact]
    public void ScriptWorker_should_pass_a_task_failure_on_and_stay_idle()
    {
        var worker = StartWorker();

        worker.Tell(Start("t1", "missing"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal((FailureKind.ModuleNotFound, WorkerNext.Idle), (((ScriptFailed)finished.Reply!).Kind, finished.Next));
        Assert.Equal("idle", StateOf(worker).State);
    }

    [Fact]
    public void ScriptWorker_should_be_running_while_the_engine_runs_its_task()
    {
        var worker = StartWorker();

        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        var state = StateOf(worker);
        Assert.Equal(("running", "t1", "t1"), (state.State, state.TaskId, state.OnEngine));
    }

    [Fact]
    public void ScriptWorker_should_cut_off_a_task_at_its_run_limit_recover_its_engine_and_be_available_again()
    {
        var worker = StartWorker();
        worker.Tell(Start("slow", "block"));
        AwaitEntered(worker);

        VirtualScheduler.Advance(RunLimit);

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(("slow", FailureKind.Timeout, WorkerNext.Recovering), (finished.TaskId, ((ScriptFailed)finished.Reply!).Kind, finished.Next));
        _supervisor.ExpectMsg<WorkerAvailable>();
        Assert.Equal("idle", StateOf(worker).State);
        Assert.Equal(2, _fake.Created);
    }

    [Fact]
    public void ScriptWorker_should_cut_off_at_its_run_limit_however_many_cancels_stats_and_engine_reports_arrive_meanwhile()
    {
        var worker = StartWorker();
        worker.Tell(Start("slow", "block"));
        AwaitEntered(worker);

        // The run limit is the worker's ReceiveTimeout: a stream of messages that must not postpone it (cancels of
        // answered tasks, stats, late engine reports and timers), every 100 ms of its 1 s limit; each would reset
        // an ordinary ReceiveTimeout.
        for (var i = 0; i < 9; i++)
        {
            VirtualScheduler.Advance(TimeSpan.FromMilliseconds(100));
            worker.Tell(new CancelTask($"answered{i}"));
            worker.Tell(new EngineDone(new EngineJob([new JobCall(new RunScript($"other{i}", "basic", "echo", "[]"), RunLimit)]), false, 1, null));
            worker.Tell(new EngineRenewed($"other{i}", null));
            worker.Tell(new GraceExpired($"other{i}"));

            Assert.Equal("running", StateOf(worker).State);
        }

        _supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(100));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(("slow", FailureKind.Timeout), (finished.TaskId, ((ScriptFailed)finished.Reply!).Kind));
    }

    [Fact]
    public void ScriptWorker_should_tell_its_supervisor_of_a_cut_off_and_of_its_engine_coming_back_and_nothing_else()
    {
        var supervisor = CreateTestProbe();
        var worker = Sys.ActorOf(ScriptWorker.Props(FakeSetup(Settings(), _fake), 10, supervisor.Ref));
        supervisor.ExpectMsg<WorkerReady>();
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        VirtualScheduler.Advance(RunLimit);

        // The engine thread reports to its worker only; the worker tells the supervisor, in this order.
        Assert.Equal(WorkerNext.Recovering, supervisor.ExpectMsg<TaskFinished>().Next);
        supervisor.ExpectMsg<WorkerAvailable>();
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void ScriptWorker_should_cut_off_a_cancelled_task_and_recover()
    {
        var worker = StartWorker();
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        worker.Tell(new CancelTask("t1"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal((FailureKind.Cancelled, WorkerNext.Recovering), (((ScriptFailed)finished.Reply!).Kind, finished.Next));
        _supervisor.ExpectMsg<WorkerAvailable>();
    }

    [Fact]
    public void ScriptWorker_should_ignore_a_cancel_for_another_task()
    {
        var worker = StartWorker();
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        worker.Tell(new CancelTask("other"));

        _supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal("running", StateOf(worker).State);
    }

    [Fact]
    public void ScriptWorker_should_replace_a_suspect_engine_after_answering()
    {
        var worker = StartWorker();

        worker.Tell(Start("t1", "suspect"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal((FailureKind.Timeout, WorkerNext.Renewing), (((ScriptFailed)finished.Reply!).Kind, finished.Next));
        _supervisor.ExpectMsg<WorkerAvailable>();
        Assert.Equal(2, _fake.Created);
    }

    [Fact]
    public void ScriptWorker_should_count_against_its_budget_only_the_calls_of_a_job_that_ran()
    {
        // Budget 3, a job of three calls: the second leaves the engine suspect, so the third never starts and goes
        // back to the queue. Two calls ran: the worker renews its engine and serves its third (not retiring).
        var worker = StartWorker(budget: 3);

        worker.Tell(new StartTask([Call("ok1", "echo", "[1]"), Call("limit", "suspect"), Call("ok3", "echo", "[3]")], Last: true));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(WorkerNext.Renewing, finished.Next);
        Assert.Null(finished.Replies[2]);
        _supervisor.ExpectMsg<WorkerAvailable>();
        Assert.Equal(("idle", 2), (StateOf(worker).State, StateOf(worker).TasksRun));

        // A call cancelled before its engine reached it never ran either.
        worker.Tell(new StartTask([Call("first", "gate", "[g]"), Call("dropped", "echo", "[2]")], Last: true));
        Assert.Equal(["[1]", "[]", "[g]"], Enumerable.Range(0, 3).Select(_ => _fake.Entered.TryTake(out var args, TimeSpan.FromSeconds(10)) ? args : "none"));
        worker.Tell(new CancelTask("dropped"));
        StateOf(worker);
        _fake.Gate("[g]").Set();
        finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal((WorkerNext.Retiring, true), (finished.Next, ((ScriptFailed)finished.Replies[1]!).TaskNeverStarted));
        Assert.Equal(RetirementReason.Budget, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
    }

    [Fact]
    public void ScriptWorker_should_be_recovering_while_a_cut_off_engine_has_not_come_back()
    {
        var worker = StartWorker();
        worker.Tell(Start("stuck", "hang"));
        AwaitEntered(worker);

        VirtualScheduler.Advance(RunLimit);
        _supervisor.ExpectMsg<TaskFinished>();

        Assert.Equal(("recovering", "stuck"), (StateOf(worker).State, StateOf(worker).TaskId));
    }

    [Fact]
    public void ScriptWorker_should_abandon_an_engine_that_does_not_come_back_within_the_grace_period()
    {
        var worker = StartWorker();
        Watch(worker);
        worker.Tell(Start("stuck", "hang"));
        AwaitEntered(worker);
        VirtualScheduler.Advance(RunLimit);
        _supervisor.ExpectMsg<TaskFinished>();

        VirtualScheduler.Advance(Settings().GracePeriod);

        Assert.Equal(RetirementReason.EngineAbandoned, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_retire_when_its_engine_cannot_be_replaced()
    {
        var worker = StartWorker();
        _fake.FailNextCreates(1);
        Watch(worker);

        worker.Tell(Start("t1", "suspect"));

        _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(RetirementReason.StartFailed, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_retire_after_the_last_task_of_its_budget()
    {
        var worker = StartWorker(budget: 1);
        Watch(worker);

        worker.Tell(Start("t1", "echo"));

        var messages = _supervisor.ReceiveN(2);
        Assert.Contains(new TaskFinished("t1", new ScriptSucceeded("t1", "[]"), WorkerNext.Retiring), messages);
        Assert.Contains(new WorkerRetiring(RetirementReason.Budget), messages);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_retire_after_recovering_from_the_last_task_of_its_budget()
    {
        var worker = StartWorker(budget: 1);
        Watch(worker);
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        VirtualScheduler.Advance(RunLimit);

        Assert.Equal(WorkerNext.Recovering, _supervisor.ExpectMsg<TaskFinished>().Next);
        Assert.Equal(RetirementReason.Budget, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_answer_a_second_task_sent_while_running_and_retire()
    {
        var worker = StartWorker();
        Watch(worker);
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        worker.Tell(Start("t2", "echo"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(("t2", FailureKind.WorkerCrashed, true), (finished.TaskId, ((ScriptFailed)finished.Reply!).Kind, ((ScriptFailed)finished.Reply!).TaskNeverStarted));
        Assert.Equal(RetirementReason.Crashed, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_answer_a_task_sent_while_recovering_and_retire()
    {
        var worker = StartWorker();
        Watch(worker);
        worker.Tell(Start("stuck", "hang"));
        AwaitEntered(worker);
        VirtualScheduler.Advance(RunLimit);
        _supervisor.ExpectMsg<TaskFinished>();

        worker.Tell(Start("t2", "echo"));

        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal(("t2", FailureKind.WorkerCrashed), (finished.TaskId, ((ScriptFailed)finished.Reply!).Kind));
        Assert.Equal(RetirementReason.Crashed, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_answer_and_retire_when_its_engine_fails_in_a_way_no_task_failure_explains()
    {
        var parent = Sys.ActorOf(Props.Create(() => new StoppingParent()));
        parent.Tell(ScriptWorker.Props(FakeSetup(Settings(), _fake), 10, _supervisor.Ref), TestActor);
        var worker = ExpectMsg<IActorRef>();
        _supervisor.ExpectMsg<WorkerReady>();
        Watch(worker);

        worker.Tell(new StartTask([Call("t1", "crash"), Call("t2", "echo")], false));

        // The crashed call is answered; the call after it never started and goes back to the queue.
        var finished = _supervisor.ExpectMsg<TaskFinished>();
        Assert.Equal((FailureKind.WorkerCrashed, false), (((ScriptFailed)finished.Replies[0]!).Kind, ((ScriptFailed)finished.Replies[0]!).TaskNeverStarted));
        Assert.Equal((null, WorkerNext.Retiring, RetirementReason.Crashed), (finished.Replies[1], finished.Next, finished.Reason));
        Assert.Equal(RetirementReason.Crashed, _supervisor.ExpectMsg<WorkerRetiring>().Reason);
        ExpectTerminated(worker);
    }

    [Fact]
    public void ScriptWorker_should_not_postpone_its_run_limit_for_state_queries()
    {
        var worker = StartWorker();
        worker.Tell(Start("t1", "block"));
        AwaitEntered(worker);

        for (var i = 0; i < 5; i++)
        {
            VirtualScheduler.Advance(TimeSpan.FromMilliseconds(190));
            StateOf(worker);
        }

        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(FailureKind.Timeout, ((ScriptFailed)_supervisor.ExpectMsg<TaskFinished>().Reply!).Kind);
    }

    private static JobCall Call(string id, string function, string args = "[]") => new(new RunScript(id, "basic", function, args), RunLimit);

    private static StartTask Start(string id, string function, string args = "[]", bool last = false, TimeSpan? runLimit = null) =>
        new(new RunScript(id, "basic", function, args), runLimit ?? RunLimit, last);

    private IActorRef StartWorker(int budget = 10)
    {
        var worker = Sys.ActorOf(ScriptWorker.Props(FakeSetup(Settings(), _fake), budget, _supervisor.Ref));
        _supervisor.ExpectMsg<WorkerReady>();
        return worker;
    }

    private WorkerState StateOf(IActorRef worker)
    {
        var probe = CreateTestProbe();
        worker.Tell(GetWorkerState.Instance, probe);
        return probe.ExpectMsg<WorkerState>();
    }

    /// <summary>Waits until the engine thread is inside the call, and the worker has armed its run limit.</summary>
    private void AwaitEntered(IActorRef worker)
    {
        Assert.True(_fake.Entered.TryTake(out _, TimeSpan.FromSeconds(10)), "the engine thread never started the task");
        // A state query is handled after the StartTask that armed the timeout, and does not reset it.
        StateOf(worker);
    }

    /// <summary>Creates one child and stops it when it throws, as a pool supervisor does.</summary>
    private sealed class StoppingParent : ReceiveActor
    {
        public StoppingParent() => Receive<Props>(props => Sender.Tell(Context.ActorOf(props)));

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
    }
}
