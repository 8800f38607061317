using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// A batch is one engine job (docs/architecture.md, "Batches"): its queued calls cross to one engine thread in one
/// hand-off and run back to back, each with its own outcome, run limit, start-by check and cancel. The real
/// supervisor and workers with fake engines, under virtual time; the pool's observer counts the jobs.
/// </summary>
public sealed class BatchJobSpec : PoolTestKit, IDisposable
{
    private readonly FakeEngineControl _fake = new();
    private readonly LockedList<(string Worker, string First, int Calls)> _jobs = [];
    private readonly LockedList<(string Worker, int Count, int Budget)> _started = [];
    private readonly DelegatingObserver _observer;

    public BatchJobSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
        _observer = new DelegatingObserver
        {
            OnJobStarted = (worker, first, calls) => _jobs.Add((worker, first, calls)),
            OnTaskStarted = (worker, _, count, budget) => _started.Add((worker, count, budget)),
        };
    }

    void IDisposable.Dispose()
    {
        _fake.Release.Set();
        foreach (var args in new[] { "[1]", "[2]", "[3]" })
        {
            _fake.Gate(args).Set();
        }
    }

    [Fact]
    public void Pool_should_run_a_batch_of_sixteen_calls_as_one_engine_job()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [.. Enumerable.Range(0, 16).Select(i => Call($"c{i}", "echo", $"[{i}]"))]), caller);

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"[{i}]"), replies.Cast<ScriptSucceeded>().Select(r => r.ResultJson));
        Assert.Equal([("c0", 16)], _jobs.Snapshot().Select(j => (j.First, j.Calls)));
    }

    [Fact]
    public void Pool_should_share_a_batch_among_idle_workers_when_nothing_else_waits()
    {
        var pool = Start(workers: 2);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [.. Enumerable.Range(0, 16).Select(i => Call($"c{i}", "echo", $"[{i}]"))]), caller);

        Assert.All(caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies, r => Assert.IsType<ScriptSucceeded>(r));
        var jobs = _jobs.Snapshot();
        Assert.Equal([8, 8], jobs.Select(j => j.Calls));
        Assert.Equal(2, jobs.Select(j => j.Worker).Distinct().Count());
    }

    [Fact]
    public void Pool_should_run_the_queued_batches_of_one_caller_as_one_job_but_never_mix_in_another_callers_calls()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();
        var other = CreateTestProbe();

        // The worker is busy with a gated task while three batches queue: two of one caller, then one of another.
        pool.Supervisor.Tell(Call("gated", "gate", "[g]"), caller);
        AwaitEntered("[g]");
        pool.Supervisor.Tell(Batch("b1", [.. Enumerable.Range(0, 3).Select(i => Call($"b1-{i}", "echo", $"[{i}]"))]), caller);
        pool.Supervisor.Tell(Batch("b2", [.. Enumerable.Range(0, 2).Select(i => Call($"b2-{i}", "echo", $"[{i}]"))]), caller);
        pool.Supervisor.Tell(Batch("o1", [.. Enumerable.Range(0, 2).Select(i => Call($"o1-{i}", "echo", $"[{i}]"))]), other);
        Sync(pool);
        _fake.Gate("[g]").Set();

        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));
        var completed = new[] { caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)), caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)) };
        Assert.Equal(["b1", "b2"], completed.Select(c => c.TaskId).Order());
        Assert.All(completed.SelectMany(c => c.Replies), r => Assert.IsType<ScriptSucceeded>(r));
        Assert.All(other.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies, r => Assert.IsType<ScriptSucceeded>(r));
        Assert.Equal([("gated", 1), ("b1-0", 5), ("o1-0", 2)], _jobs.Snapshot().Select(j => (j.First, j.Calls)));
    }

    [Fact]
    public void Pool_should_give_each_call_of_one_job_its_own_outcome()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [Call("ok1", "echo", "[1]"), Call("gone", "missing"), Call("ok3", "echo", "[3]")]), caller);

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.Equal("[1]", ((ScriptSucceeded)replies[0]).ResultJson);
        Assert.Equal(FailureKind.ModuleNotFound, ((ScriptFailed)replies[1]).Kind);
        Assert.Equal("[3]", ((ScriptSucceeded)replies[2]).ResultJson);
        Assert.Single(_jobs.Snapshot());
    }

    [Fact]
    public void Pool_should_stop_a_job_at_a_call_that_leaves_its_engine_suspect_and_run_the_rest_on_a_fresh_engine()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [Call("ok1", "echo", "[1]"), Call("limit", "suspect"), Call("ok3", "echo", "[3]")]), caller);

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.Equal("[1]", ((ScriptSucceeded)replies[0]).ResultJson);
        Assert.Equal(FailureKind.Timeout, ((ScriptFailed)replies[1]).Kind);
        Assert.Equal("[3]", ((ScriptSucceeded)replies[2]).ResultJson);

        // The call after the suspect one never ran on that engine: it went back to the queue, as a job of its own.
        Assert.Equal([("ok1", 3), ("ok3", 1)], _jobs.Snapshot().Select(j => (j.First, j.Calls)));
        Assert.Equal(["[1]", "[]", "[3]"], _fake.Entered.ToArray());
    }

    [Fact]
    public void Pool_should_count_against_a_workers_budget_only_the_calls_that_ran_not_those_re_queued()
    {
        var pool = Start(workers: 1, budget: 4);
        var caller = CreateTestProbe();

        // ok3 never starts in the first job (the engine is suspect after "limit"): it goes back to the queue and runs
        // on the renewed engine. Three calls ran, so the worker has one left, and serves ok4 as its fourth.
        pool.Supervisor.Tell(Batch("b", [Call("ok1", "echo", "[1]"), Call("limit", "suspect"), Call("ok3", "echo", "[3]")]), caller);
        Assert.Equal("[3]", ((ScriptSucceeded)caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies[2]).ResultJson);
        pool.Supervisor.Tell(Call("ok4", "echo", "[4]"), caller);
        caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10));

        var started = _started.Snapshot();
        Assert.Single(started.Select(s => s.Worker).Distinct());
        Assert.Equal([1, 2, 3, 3, 4], started.Select(s => s.Count));
    }

    [Fact]
    public void Pool_should_cut_off_the_call_that_overruns_mid_batch_keep_the_answers_before_it_and_run_the_rest_once()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [Call("ok1", "echo", "[1]"), Call("slow", "block", "[2]"), Call("ok3", "echo", "[3]"), Call("ok4", "echo", "[4]")]), caller);
        AwaitEntered("[1]", "[2]");
        VirtualScheduler.Advance(Settings().InFlightTimeout);

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.Equal("[1]", ((ScriptSucceeded)replies[0]).ResultJson);
        Assert.Equal((FailureKind.Timeout, false), (((ScriptFailed)replies[1]).Kind, ((ScriptFailed)replies[1]).TaskNeverStarted));
        Assert.Equal(["[3]", "[4]"], replies.Skip(2).Cast<ScriptSucceeded>().Select(r => r.ResultJson));

        // The calls after the cut-off never started in the cut-off job: they ran once, as the next job.
        Assert.Equal([("ok1", 4), ("ok3", 2)], _jobs.Snapshot().Select(j => (j.First, j.Calls)));
        Assert.Equal(["[1]", "[2]", "[3]", "[4]"], _fake.Entered.ToArray());
    }

    [Fact]
    public void Pool_should_answer_a_call_cancelled_before_its_engine_reached_it_as_never_started_and_run_the_others()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [Call("first", "gate", "[1]"), Call("dropped", "echo", "[2]"), Call("third", "echo", "[3]")]), caller);
        AwaitEntered("[1]");
        pool.Supervisor.Tell(new CancelScript("dropped"), caller);
        Sync(pool);
        WorkerStates(pool);
        _fake.Gate("[1]").Set();

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.IsType<ScriptSucceeded>(replies[0]);
        Assert.Equal((FailureKind.Cancelled, true), (((ScriptFailed)replies[1]).Kind, ((ScriptFailed)replies[1]).TaskNeverStarted));
        Assert.IsType<ScriptSucceeded>(replies[2]);
        Assert.Single(_jobs.Snapshot());
        Assert.Equal(["[1]", "[3]"], _fake.Entered.ToArray());
    }

    [Fact]
    public void Pool_should_cut_off_a_running_call_of_a_batch_when_its_caller_cancels_it_and_run_the_rest()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [Call("first", "echo", "[1]"), Call("running", "block", "[2]"), Call("third", "echo", "[3]")]), caller);
        AwaitEntered("[1]", "[2]");
        pool.Supervisor.Tell(new CancelScript("running"), caller);

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.IsType<ScriptSucceeded>(replies[0]);
        Assert.Equal((FailureKind.Cancelled, false), (((ScriptFailed)replies[1]).Kind, ((ScriptFailed)replies[1]).TaskNeverStarted));
        Assert.Equal("[3]", ((ScriptSucceeded)replies[2]).ResultJson);
        Assert.Equal([("first", 3), ("third", 1)], _jobs.Snapshot().Select(j => (j.First, j.Calls)));
    }

    [Fact]
    public void Pool_should_split_a_batch_at_the_end_of_a_workers_budget_and_never_run_a_worker_past_it()
    {
        var pool = Start(workers: 1, budget: 3);
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(Batch("b", [.. Enumerable.Range(0, 5).Select(i => Call($"c{i}", "echo", $"[{i}]"))]), caller);

        Assert.All(caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies, r => Assert.IsType<ScriptSucceeded>(r));
        var jobs = _jobs.Snapshot();
        Assert.Equal([("c0", 3), ("c3", 2)], jobs.Select(j => (j.First, j.Calls)));
        Assert.NotEqual(jobs[0].Worker, jobs[1].Worker);
        Assert.All(_started.Snapshot(), s => Assert.True(s.Count <= s.Budget, $"{s.Worker} ran task {s.Count} of its budget {s.Budget}"));
    }

    [Fact]
    public void Pool_should_answer_a_call_whose_deadline_passed_while_the_calls_before_it_ran_as_never_started()
    {
        var pool = Start(workers: 1);
        var caller = CreateTestProbe();
        var shortDeadline = new RunScript("late", "basic", "echo", "[2]", TimeSpan.FromSeconds(1));

        pool.Supervisor.Tell(Batch("b", [Call("long", "gate", "[1]"), shortDeadline, Call("after", "echo", "[3]")]), caller);
        AwaitEntered("[1]");
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(1500));
        _fake.Gate("[1]").Set();

        var replies = caller.ExpectMsg<ScriptBatchCompleted>(TimeSpan.FromSeconds(10)).Replies;
        Assert.IsType<ScriptSucceeded>(replies[0]);
        Assert.Equal((FailureKind.QueueExpired, true), (((ScriptFailed)replies[1]).Kind, ((ScriptFailed)replies[1]).TaskNeverStarted));
        Assert.Equal("[3]", ((ScriptSucceeded)replies[2]).ResultJson);
        Assert.Single(_jobs.Snapshot());
        Assert.Equal(["[1]", "[3]"], _fake.Entered.ToArray());
    }

    private static RunScript Call(string id, string function, string args = "[]") => new(id, "basic", function, args);

    private static RunScriptBatch Batch(string id, IReadOnlyList<RunScript> calls) => new(id, calls);

    private ScriptPool Start(int workers, int budget = 1000)
    {
        var pool = StartPool(Settings(workers, budget), observer: _observer, fake: _fake);
        AwaitIdleAtTarget(pool);
        return pool;
    }

    /// <summary>Waits until the engine threads entered the calls with these arguments, in order (the run limit is armed by then).</summary>
    private void AwaitEntered(params string[] args) =>
        AwaitAssert(() => Assert.Equal(args, _fake.Entered.ToArray()), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
}
