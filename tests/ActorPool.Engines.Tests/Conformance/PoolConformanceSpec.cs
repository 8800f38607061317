using System.Collections.Concurrent;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorPool.Engines.Tests.Conformance;

/// <summary>
/// The pool's acceptance behaviours with real time, written once and run on each engine kind: budget,
/// failure kinds through the whole pool, cancellation, a small chaos run. Every pool is checked to run on
/// the engine kind of the subclass (a V8 pool that fell back to Jint fails here).
/// </summary>
public abstract class PoolConformanceSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    protected abstract string EngineKind { get; }

    [Fact]
    public void Pool_should_report_the_engine_kind_that_serves_it()
    {
        var pool = StartEnginePool(Settings());

        Assert.Equal(EngineKind, Sync(pool).EngineKind);
    }

    [Fact]
    public async Task Pool_should_retire_a_worker_after_its_budget_and_continue_on_a_fresh_engine()
    {
        await using var pool = StartEnginePool(Settings(workers: 1, budget: 3));

        var counters = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            counters.Add((await pool.RunAsync("basic", "increment", "[]")).As<int>());
        }

        // The module counter lives in the engine: it restarts at 1 exactly every 3 tasks.
        Assert.Equal([1, 2, 3, 1, 2, 3, 1], counters);
        Assert.Equal(2, AwaitIdleAtTarget(pool).Retirements[RetirementReason.Budget]);
    }

    [Fact]
    public void Pool_should_answer_a_script_error_with_its_message_and_javascript_stack_and_keep_the_worker()
    {
        var pool = StartEnginePool(Settings());
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("err", "faults", "boom", "[\"it broke\"]"), caller);

        var failed = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal((FailureKind.ScriptError, "it broke"), (failed.Kind, failed.Message));
        Assert.Contains("boom", failed.Details ?? string.Empty, StringComparison.Ordinal);
        pool.Supervisor.Tell(new RunScript("next", "basic", "increment", "[]"), caller);
        Assert.Equal("1", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    [Theory]
    [InlineData("allocate", "[]", LimitKind.Memory, "the script exceeded the memory limit of 64 MiB (actor-pool.engine.memory-limit)")]
    [InlineData("recurse", "[0]", LimitKind.Recursion, "the script exceeded the call depth limit of 500 (actor-pool.engine.recursion-limit)")]
    public void Pool_should_answer_a_limit_with_LimitExceeded_and_serve_the_next_call(string function, string args, LimitKind limit, string message)
    {
        var pool = StartEnginePool(Settings());
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("limit", "faults", function, args), caller);

        var failed = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal((FailureKind.LimitExceeded, limit, message), (failed.Kind, failed.Limit, failed.Message));
        pool.Supervisor.Tell(new RunScript("next", "basic", "add", "[1, 2]"), caller);
        Assert.Equal("3", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
    }

    [Fact]
    public void Pool_should_let_a_call_churn_twenty_times_the_memory_limit_when_it_holds_little()
    {
        // 700 arrays of 262,144 elements, each dropped at once: at least 8 bytes an element on Jint (1.4 GiB in
        // all), at least 4 on V8 (0.7 GiB), against a 32 MiB limit; the call never holds more than two of them.
        var settings = Settings();
        var pool = StartEnginePool(settings with
        {
            InFlightTimeout = TimeSpan.FromSeconds(60),
            Engine = settings.Engine with { MemoryLimitBytes = 32L << 20 },
        });
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("churn", "faults", "churn", "[700]"), caller);

        Assert.Equal("183500800", caller.ExpectMsg<IScriptReply>(TimeSpan.FromSeconds(60)) switch
        {
            ScriptSucceeded ok => ok.ResultJson,
            ScriptFailed failed => $"{failed.Kind} ({failed.Limit}): {failed.Message}",
            var other => other.ToString(),
        });
        pool.Supervisor.Tell(new RunScript("hold", "faults", "allocate", "[]"), caller);
        var held = caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal((FailureKind.LimitExceeded, LimitKind.Memory), (held.Kind, held.Limit));
    }

    [Fact]
    public void Pool_should_cancel_a_running_script_on_request_and_serve_the_next_call()
    {
        var pool = StartEnginePool(Settings());
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("loop", "faults", "spin", "[]"), caller);
        AwaitRunning(pool, "loop");
        pool.Supervisor.Tell(new CancelScript("loop"), caller);

        Assert.Equal(FailureKind.Cancelled, caller.ExpectMsg<ScriptFailed>(TimeSpan.FromSeconds(10)).Kind);
        pool.Supervisor.Tell(new RunScript("next", "basic", "add", "[2, 2]"), caller);
        Assert.Equal("4", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
        Assert.Equal(0, AwaitIdleAtTarget(pool).AbandonedEngines);
    }

    [Fact]
    public async Task Pool_should_answer_every_task_of_a_seeded_storm_exactly_as_its_script_dictates()
    {
        const int Seed = 20261201;
        var random = new Random(Seed);
        // The in-flight timeout leaves an allocation bomb time to hit the memory limit first on a busy machine.
        var settings = Settings(workers: 2, budget: 5) with { InFlightTimeout = TimeSpan.FromSeconds(3) };
        await using var pool = StartEnginePool(settings);
        (string Module, string Function, string Args, string Expected)[] menu =
        [
            ("basic", "add", "[20, 22]", "ok:42"),
            ("faults", "count", "[1000]", "ok:499500"),
            ("faults", "boom", "[\"storm\"]", "ScriptError"),
            ("faults", "nope", "[]", "ModuleNotFound"),
            ("faults", "recurse", "[0]", "LimitExceeded:Recursion"),
            ("faults", "allocate", "[]", "LimitExceeded:Memory"),
            ("faults", "spin", "[]", "Timeout"),
            ("faults", "bigint", "[]", "ScriptError"),
        ];
        var picks = Enumerable.Range(0, 120).Select(_ => random.Next(100) switch
        {
            < 60 => menu[0],
            < 75 => menu[1],
            < 85 => menu[2],
            < 90 => menu[3],
            < 94 => menu[4],
            < 96 => menu[5],
            < 98 => menu[6],
            _ => menu[7],
        }).ToList();

        var outcomes = await Task.WhenAll(picks.Select(async pick =>
        {
            try
            {
                return "ok:" + (await pool.RunAsync(pick.Module, pick.Function, pick.Args)).Json;
            }
            catch (ScriptPoolException ex)
            {
                return ex.Kind == FailureKind.LimitExceeded ? $"LimitExceeded:{ex.Limit}" : ex.Kind.ToString();
            }
        }));

        var wrong = picks.Zip(outcomes).Where(p => p.First.Expected != p.Second).Select(p => $"{p.First.Function} answered {p.Second}, expected {p.First.Expected}").ToList();
        Assert.True(wrong.Count == 0, $"seed {Seed}: " + string.Join("; ", wrong));
        var stats = AwaitIdleAtTarget(pool, TimeSpan.FromSeconds(20));
        Assert.Equal(0, stats.AbandonedEngines);
    }

    /// <summary>Starts a pool of this spec's engine kind; fails when the pool fell back to another engine.</summary>
    internal ScriptPool StartEnginePool(PoolSettings settings)
    {
        var pool = StartPool(settings with { EngineKind = EngineKind }, EngineScripts.Source());
        Assert.Equal(EngineKind, Sync(pool).EngineKind);
        return pool;
    }
}

/// <summary>The in-flight timeout on each engine kind, with virtual time: the worker interrupts the engine.</summary>
public abstract class PoolTimeoutConformanceSpec(ITestOutputHelper output) : PoolTestKit(VirtualTime, output)
{
    protected abstract string EngineKind { get; }

    [Theory]
    [InlineData("spin")]
    [InlineData("stubbornSpin")]
    public void Pool_should_cut_off_an_endless_loop_at_the_in_flight_timeout_and_serve_the_next_call(string function)
    {
        var pool = StartPool(Settings() with { EngineKind = EngineKind }, EngineScripts.Source());
        var caller = CreateTestProbe();

        pool.Supervisor.Tell(new RunScript("loop", "faults", function, "[]"), caller);
        AwaitRunning(pool, "loop");
        VirtualScheduler.Advance(TimeSpan.FromSeconds(4.9));
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        VirtualScheduler.Advance(TimeSpan.FromSeconds(0.2));

        var failed = caller.ExpectMsg<ScriptFailed>();
        Assert.Equal(("loop", FailureKind.Timeout), (failed.TaskId, failed.Kind));
        pool.Supervisor.Tell(new RunScript("next", "basic", "add", "[1, 2]"), caller);
        Assert.Equal("3", caller.ExpectMsg<ScriptSucceeded>(TimeSpan.FromSeconds(10)).ResultJson);
        Assert.Equal((EngineKind, 0L), (Sync(pool).EngineKind, Sync(pool).AbandonedEngines));
    }
}
