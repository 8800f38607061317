using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// One client's cut-off tasks cost another client at most an engine start: when a task is cut off (its engine
/// hangs or is slow to come back), the calls queued behind it are served by a worker that is ready or starting
/// now, never after a timer (patience, grace period) and never past their queue age. Virtual time does not move
/// between the cut-off and the answers below, so any rule that makes them wait for a timer fails here. Issue 16
/// reproduced the defect with <c>MAX_THREADS=1 MESSAGES_LIMIT=5 IN_FLIGHT_TIMEOUT_MS=1500 MAX_TASK_AGE_MS=700</c>:
/// a catastrophic regex cut off while the worker's successor stood by left the next calls to expire in the queue.
/// </summary>
public sealed class CutOffIsolationSpec : PoolTestKit, IDisposable
{
    private readonly FakeEngineControl _fake = new();

    public CutOffIsolationSpec(ITestOutputHelper output)
        : base(VirtualTime, output)
    {
    }

    void IDisposable.Dispose() => _fake.Release.Set();

    /// <summary>The issue's settings: one worker, budget 5, 1.5 s in flight, 700 ms in the queue, 2 s grace.</summary>
    private static PoolSettings IssueSettings(int workers = 1, int budget = 5) => Settings(workers, budget) with
    {
        InFlightTimeout = TimeSpan.FromMilliseconds(1500),
        MaxTaskAge = TimeSpan.FromMilliseconds(700),
        GracePeriod = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void PoolSupervisor_should_serve_the_next_calls_at_once_when_a_task_is_cut_off_while_its_workers_successor_stands_by()
    {
        var caller = CreateTestProbe();
        // An engine start worth three tasks (30 ms vs 10 ms, virtual): the successor starts three tasks ahead.
        var pool = StartMeasuredPool(IssueSettings(), caller, startMillis: 30, taskMillis: 10);

        // The second task of five hangs (an engine that never comes back, like the catastrophic regex).
        SendHanging(pool, caller, "stuck", "hang", "[0]");
        AwaitSecondWorkerReady(pool);

        CutOff(caller, "stuck", TimeSpan.FromMilliseconds(1500));

        AssertEchoedWithoutTimePassing(pool, caller, ("next1", "[1]"), ("next2", "[2]"));
    }

    [Fact]
    public void PoolSupervisor_should_serve_the_next_call_after_one_engine_start_when_a_task_is_cut_off_early_in_a_budget()
    {
        var pool = StartPool(IssueSettings(), fake: _fake);
        var caller = CreateTestProbe();
        SendHanging(pool, caller, "stuck", "hang", "[0]");

        CutOff(caller, "stuck", TimeSpan.FromMilliseconds(1500));

        AssertEchoedWithoutTimePassing(pool, caller, ("next", "[1]"));
    }

    [Fact]
    public void PoolSupervisor_should_serve_the_issues_sequence_with_an_abandoned_engine_and_expire_nothing()
    {
        var settings = IssueSettings();
        var caller = CreateTestProbe();
        var pool = StartMeasuredPool(settings, caller, startMillis: 30, taskMillis: 10);

        // add, the regex (cut off, never comes back), two calls, add: five tasks, the first worker's budget.
        SendHanging(pool, caller, "regex1", "hang", "[1]");
        CutOff(caller, "regex1", settings.InFlightTimeout);
        foreach (var id in new[] { "a", "b", "c" })
        {
            AssertEchoedWithoutTimePassing(pool, caller, (id, "[2]"));
        }

        // A pause: the first engine is abandoned after its grace period.
        VirtualScheduler.Advance(settings.GracePeriod);
        AwaitIdleAtTarget(pool);

        SendHanging(pool, caller, "regex2", "hang", "[3]");
        AwaitEnginesStarted(pool);
        CutOff(caller, "regex2", settings.InFlightTimeout);
        AssertEchoedWithoutTimePassing(pool, caller, ("d", "[4]"), ("e", "[5]"));
    }

    [Fact]
    public void PoolSupervisor_should_keep_a_second_clients_calls_unaffected_by_a_first_clients_cut_off_tasks_under_steady_load()
    {
        var settings = IssueSettings(workers: 2, budget: 3) with { InFlightTimeout = TimeSpan.FromMilliseconds(500) };
        var pool = StartPool(settings, fake: _fake);
        var bad = CreateTestProbe();
        var good = CreateTestProbe();
        AwaitIdleAtTarget(pool);

        for (var round = 0; round < 8; round++)
        {
            // The first client: an endless loop (honours the cut-off) and an engine that never comes back, in turn.
            var id = $"bad{round}";
            SendHanging(pool, bad, id, round % 2 == 0 ? "block" : "hang", $"[{round}]");
            AssertEchoedWithoutTimePassing(pool, good, ($"good{round}a", "[1]"));

            CutOff(bad, id, settings.InFlightTimeout);
            AssertEchoedWithoutTimePassing(pool, good, ($"good{round}b", "[2]"));
            if (round % 4 == 3)
            {
                // Let abandoned engines go (the engine count stays bounded).
                VirtualScheduler.Advance(settings.GracePeriod);
            }

            // Every worker has started its engine before the next round (an engine start, not a timer).
            AwaitEnginesStarted(pool);
        }
    }

    /// <summary>Sends <paramref name="id"/>, whose engine call ends only when cut off (<c>block</c>) or never (<c>hang</c>), and waits until a worker runs it.</summary>
    private void SendHanging(ScriptPool pool, TestProbe caller, string id, string function, string args)
    {
        pool.Supervisor.Tell(new RunScript(id, "basic", function, args), caller);
        AwaitRunning(pool, id);
    }

    /// <summary>Lets the task's in-flight timeout pass and expects <paramref name="id"/> answered <c>Timeout</c>.</summary>
    private void CutOff(TestProbe caller, string id, TimeSpan inFlightTimeout)
    {
        VirtualScheduler.Advance(inFlightTimeout);
        Assert.Equal((id, FailureKind.Timeout), Kind(caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10))));
    }

    /// <summary>Makes the first engine start take <paramref name="startMillis"/> and one task <paramref name="taskMillis"/> of virtual time.</summary>
    private ScriptPool StartMeasuredPool(PoolSettings settings, TestProbe caller, int startMillis, int taskMillis)
    {
        _fake.CreateGate.Reset();
        var pool = StartPool(settings, fake: _fake);
        Sync(pool);
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(startMillis));
        _fake.CreateGate.Set();
        AwaitIdleAtTarget(pool);
        pool.Supervisor.Tell(new RunScript("first", "basic", "gate", "[\"first\"]"), caller);
        AwaitRunning(pool, "first");
        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(taskMillis));
        _fake.Gate("[\"first\"]").Set();
        Assert.Equal("first", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).TaskId);
        return pool;
    }

    /// <summary>Waits until a second worker's engine started (the successor, started ahead) and the supervisor heard so.</summary>
    private void AwaitSecondWorkerReady(ScriptPool pool) =>
        AwaitAssert(
            () =>
            {
                Assert.Equal(2, WorkerStates(pool).Count(w => w.State.State is "idle" or "running"));
                Sync(pool);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));

    /// <summary>Waits until no worker is still starting its engine (a real thread), and the supervisor heard of each.</summary>
    private void AwaitEnginesStarted(ScriptPool pool) =>
        AwaitAssert(
            () =>
            {
                Assert.DoesNotContain(WorkerStates(pool), w => w.State.State == "starting");
                Sync(pool);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));

    /// <summary>Sends the echo calls together, then expects each one answered, in order, without virtual time passing.</summary>
    private void AssertEchoedWithoutTimePassing(ScriptPool pool, TestProbe caller, params (string Id, string Args)[] calls)
    {
        foreach (var (id, args) in calls)
        {
            pool.Supervisor.Tell(new RunScript(id, "basic", "echo", args), caller);
        }

        foreach (var (id, args) in calls)
        {
            AssertAnsweredWithoutTimePassing(caller, id, args);
        }
    }

    /// <summary>
    /// The next answer must be <paramref name="id"/>'s success, arriving without any virtual time passing (an
    /// engine start on a real thread is allowed). If none comes, time is moved to the queue age limit so the
    /// failure shows what the call got instead.
    /// </summary>
    private void AssertAnsweredWithoutTimePassing(TestProbe caller, string id, string result)
    {
        var reply = caller.ReceiveOne(TimeSpan.FromSeconds(5)) as IScriptReply;
        if (reply is null)
        {
            VirtualScheduler.Advance(TimeSpan.FromMilliseconds(700));
            var late = caller.ReceiveOne(TimeSpan.FromSeconds(5));
            Assert.Fail($"{id} was not answered until virtual time passed; after the queue age limit it got: {late?.ToString() ?? "nothing"}");
        }

        Assert.Equal(new ScriptSucceeded(id, result), reply);
    }

    private static (string, FailureKind) Kind(ScriptFailed failed) => (failed.TaskId, failed.Kind);
}
