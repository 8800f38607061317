using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Facade;

public sealed class ScriptPoolSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task ScriptPool_should_return_the_functions_result_as_json()
    {
        await using var pool = StartPool(Settings());

        var reversed = await pool.RunAsync("basic", "reverse", ["abc"]);
        var sum = await pool.RunAsync("basic", "add", "[2, 40]");
        var echoed = await pool.RunAsync("basic", "echo", """[{"a":[1,"x",null]}]""");

        Assert.Equal("\"cba\"", reversed.Json);
        Assert.Equal(42, sum.As<int>());
        Assert.Equal("""{"a":[1,"x",null]}""", echoed.Json);
    }

    [Fact]
    public async Task ScriptPool_should_run_a_batch_and_give_each_call_its_own_outcome_in_call_order()
    {
        // A long grace period: on a loaded machine the supervisor's backstop (deadline + grace) must not beat the
        // worker's own cut-off of the endless call; a real hang still fails the spec.
        await using var pool = StartPool(Settings(workers: 2) with { GracePeriod = TimeSpan.FromSeconds(10) });
        await WarmUpAsync(pool);

        var outcomes = await pool.RunBatchAsync(MixedBatch(), deadline: BatchDeadline);

        AssertMixedOutcomes(outcomes);
        var stats = await pool.GetStatsAsync();
        Assert.Equal(3, stats.Succeeded);
    }

    [Fact]
    public async Task ScriptPool_should_give_correct_outcomes_to_repeated_batches_on_one_pipelined_worker()
    {
        // One worker: every call after the first is handed over while the one before it runs (pipelining),
        // and the endless call must still be cut off at its deadline, not later by the supervisor's backstop.
        await using var pool = StartPool(Settings(workers: 1) with { InFlightTimeout = TimeSpan.FromSeconds(20), GracePeriod = TimeSpan.FromSeconds(10), Pipelining = true });

        for (var round = 0; round < 3; round++)
        {
            // The endless call of the round before left a recovering engine and a fresh replacement: load the
            // modules on whichever serves, so that the good calls' deadline is not spent starting an engine.
            AwaitIdleAtTarget(pool);
            await WarmUpAsync(pool);
            AssertMixedOutcomes(await pool.RunBatchAsync(MixedBatch(), deadline: BatchDeadline));
        }
    }

    [Fact]
    public async Task ScriptPool_should_answer_an_empty_batch_with_no_outcomes()
    {
        await using var pool = StartPool(Settings());

        Assert.Empty(await pool.RunBatchAsync([]));
    }

    [Fact]
    public async Task ScriptPool_should_refuse_a_batch_with_too_many_calls_as_a_whole()
    {
        await using var pool = StartPool(Settings());
        var calls = Enumerable.Repeat(new ScriptCall("basic", "echo", "[1]"), RunScriptBatch.MaxCalls + 1).ToList();

        var refused = await Assert.ThrowsAsync<ScriptRequestException>(() => pool.RunBatchAsync(calls));

        Assert.Equal(FailureKind.InvalidRequest, refused.Kind);
        Assert.Contains("split it", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The deadline of every call of <see cref="MixedBatch"/>: the endless call runs into it, the others finish
    /// well within it even on a loaded machine (after <see cref="WarmUpAsync"/> loaded the modules).
    /// </summary>
    internal static readonly TimeSpan BatchDeadline = TimeSpan.FromSeconds(2);

    /// <summary>Loads the modules of <see cref="MixedBatch"/>, so module loading does not eat the calls' deadline.</summary>
    internal static async Task WarmUpAsync(IScriptPool pool)
    {
        await pool.RunAsync("basic", "add", "[0, 0]");
        await Assert.ThrowsAsync<ScriptErrorException>(() => pool.RunAsync("faults", "boom", "[\"warm\"]"));
    }

    /// <summary>Good, throwing, missing-function and (last, so it does not hold up the others) endless calls.</summary>
    internal static IReadOnlyList<ScriptCall> MixedBatch() =>
    [
        new("basic", "add", "[1, 2]"),
        new("faults", "boom", "[\"batch\"]"),
        new("basic", "noSuchFunction", "[]"),
        new("basic", "reverse", "[\"ab\"]"),
        new("faults", "spin", "[]"),
    ];

    internal static void AssertMixedOutcomes(IReadOnlyList<ScriptOutcome> outcomes)
    {
        Assert.Equal(5, outcomes.Count);
        Assert.Equal("3", outcomes[0].GetResult().Json);
        Assert.True(outcomes[1].Error?.Kind == FailureKind.ScriptError, $"the throwing call: {outcomes[1].Error?.Kind} {outcomes[1].Error?.Message}");
        Assert.Contains("batch", outcomes[1].Error?.Message ?? string.Empty, StringComparison.Ordinal);
        Assert.True(outcomes[2].Error?.Kind == FailureKind.ModuleNotFound, $"the missing function: {outcomes[2].Error?.Kind} {outcomes[2].Error?.Message}");
        Assert.Equal("\"ba\"", outcomes[3].GetResult().Json);
        Assert.True(outcomes[4].Error?.Kind == FailureKind.Timeout, $"the endless call: {outcomes[4].Error?.Kind} {outcomes[4].Error?.Message}");
        Assert.Equal([true, false, false, true, false], outcomes.Select(o => o.Succeeded));
    }

    [Fact]
    public async Task ScriptPool_should_map_undefined_to_null_and_await_async_functions()
    {
        await using var pool = StartPool(Settings());

        Assert.Equal("null", (await pool.RunAsync("basic", "nothing", "[]")).Json);
        Assert.Equal("42", (await pool.RunAsync("basic", "later", "[21]")).Json);
    }

    [Fact]
    public async Task ScriptPool_should_answer_ScriptError_with_message_and_js_stack_and_reuse_the_worker()
    {
        await using var pool = StartPool(Settings());
        Assert.Equal(1, (await pool.RunAsync("basic", "increment", "[]")).As<int>());

        var error = await Assert.ThrowsAsync<ScriptErrorException>(() => pool.RunAsync("faults", "boom", ["kaput"]));

        Assert.Equal(FailureKind.ScriptError, error.Kind);
        Assert.Contains("kaput", error.Message, StringComparison.Ordinal);
        Assert.Contains("boom", error.Details ?? string.Empty, StringComparison.Ordinal);
        // Same engine: the module's counter kept its state.
        Assert.Equal(2, (await pool.RunAsync("basic", "increment", "[]")).As<int>());
    }

    [Fact]
    public async Task ScriptPool_should_retire_the_worker_after_a_script_error_when_recycle_on_script_error_is_on()
    {
        await using var pool = StartPool(Settings() with { RecycleOnScriptError = true });
        Assert.Equal(1, (await pool.RunAsync("basic", "increment", "[]")).As<int>());

        await Assert.ThrowsAsync<ScriptErrorException>(() => pool.RunAsync("faults", "throwString", "[]"));

        Assert.Equal(1, (await pool.RunAsync("basic", "increment", "[]")).As<int>());
        var stats = await pool.GetStatsAsync();
        Assert.Equal(1, stats.Retirements[RetirementReason.ScriptError]);
    }

    [Theory]
    // The allocation bomb (LimitKind.Memory) is in HeldMemoryLimitSpec: the held-memory estimate reads this
    // process's heap, so it runs apart from specs that churn the heap in parallel.
    [InlineData("recurse", LimitKind.Recursion)]
    [InlineData("catastrophicRegex", LimitKind.RegexTimeout)]
    public async Task ScriptPool_should_answer_LimitExceeded_naming_the_limit_and_keep_serving(string function, LimitKind limit)
    {
        await using var pool = StartPool(Settings());

        var error = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("faults", function, "[0]"));

        Assert.Equal(limit, error.Limit);
        Assert.Contains("actor-pool.engine.", error.Message, StringComparison.Ordinal);
        Assert.Equal("\"ok\"", (await pool.RunAsync("basic", "echo", ["ok"])).Json);
    }

    [Fact]
    public async Task ScriptPool_should_answer_LimitExceeded_when_the_statement_limit_is_hit()
    {
        var settings = Settings();
        await using var pool = StartPool(settings with { Engine = settings.Engine with { MaxStatements = 10_000 } });

        var error = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("faults", "count", "[1000000]"));

        Assert.Equal(LimitKind.Statements, error.Limit);
        Assert.Equal("45", (await pool.RunAsync("faults", "count", "[10]")).Json);
    }

    [Theory]
    [InlineData("bigint")]
    [InlineData("returnsFunction")]
    [InlineData("cyclic")]
    public async Task ScriptPool_should_answer_ScriptError_for_results_json_cannot_represent(string function)
    {
        await using var pool = StartPool(Settings());

        var error = await Assert.ThrowsAsync<ScriptErrorException>(() => pool.RunAsync("faults", function, "[]"));

        Assert.Contains("JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", "echo", FailureKind.ModuleNotFound)]
    [InlineData("basic", "nope", FailureKind.ModuleNotFound)]
    [InlineData("faults", "notAFunction", FailureKind.ModuleNotFound)]
    [InlineData("../etc", "echo", FailureKind.InvalidRequest)]
    [InlineData("basic", "", FailureKind.InvalidRequest)]
    public async Task ScriptPool_should_reject_unknown_or_invalid_names(string module, string function, FailureKind kind)
    {
        await using var pool = StartPool(Settings());

        var error = await Assert.ThrowsAsync<ScriptRequestException>(() => pool.RunAsync(module, function, "[]"));

        Assert.Equal(kind, error.Kind);
    }

    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData("[1,")]
    [InlineData("not json")]
    public async Task ScriptPool_should_answer_InvalidRequest_for_arguments_that_are_not_a_json_array(string args)
    {
        await using var pool = StartPool(Settings());

        var error = await Assert.ThrowsAsync<ScriptRequestException>(() => pool.RunAsync("basic", "echo", args));

        Assert.Equal(FailureKind.InvalidRequest, error.Kind);
        Assert.Equal("[1]", (await pool.RunAsync("basic", "echo", "[[1]]")).Json);
    }

    [Fact]
    public async Task ScriptPool_should_never_complete_a_call_on_the_thread_that_delivered_the_reply()
    {
        await using var pool = StartPool(Settings());
        var callerThread = Environment.CurrentManagedThreadId;

        var continuationThread = await pool.RunAsync("basic", "echo", "[1]")
            .ContinueWith(_ => Thread.CurrentThread.IsThreadPoolThread, TaskScheduler.Default);

        Assert.True(continuationThread);
        Assert.NotEqual(0, callerThread);
    }

    [Fact]
    public async Task ScriptPool_should_reject_calls_after_it_was_disposed()
    {
        var pool = StartPool(Settings());
        await pool.DisposeAsync();

        var error = await Assert.ThrowsAsync<PoolRejectedException>(() => pool.RunAsync("basic", "echo", "[1]"));

        Assert.Equal(FailureKind.ShuttingDown, error.Kind);
    }

    [Fact]
    public async Task GetStatsAsync_should_fail_at_once_when_the_supervisor_is_known_to_be_gone()
    {
        await using var pool = StartPool(Settings());
        Sys.Stop(pool.Supervisor);
        // A call fails only after the facade's watcher has marked the supervisor gone.
        await Assert.ThrowsAnyAsync<ScriptPoolException>(() => pool.RunAsync("basic", "echo", "[1]"));

        var stats = pool.GetStatsAsync();

        Assert.True(stats.IsFaulted, $"GetStatsAsync returned a task in state {stats.Status} instead of failing at once");
        var error = Assert.IsType<ScriptPoolException>(stats.Exception!.InnerException);
        Assert.Equal(FailureKind.WorkerCrashed, error.Kind);
        Assert.Contains("supervisor stopped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStatsAsync_should_fail_when_the_supervisor_stops_before_answering()
    {
        var supervisor = CreateTestProbe();
        await using var pool = ScriptPool.Attach(Sys, supervisor.Ref);
        var stats = pool.GetStatsAsync();
        supervisor.ExpectMsg<GetPoolStats>();

        Sys.Stop(supervisor.Ref);

        // Well inside the 10 s Ask timeout: the failure must come from the watcher, not the timeout.
        var error = await Assert.ThrowsAsync<ScriptPoolException>(() => stats.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(FailureKind.WorkerCrashed, error.Kind);
        Assert.Contains("supervisor stopped", error.Message, StringComparison.Ordinal);
    }
}
