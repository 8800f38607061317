using System.Runtime.ExceptionServices;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;

namespace ActorPool.Engines.Tests.Conformance;

/// <summary>
/// The engine seam's contract, written once and run against every engine (one small subclass per engine): the
/// same results, the same failure kinds, limits and messages. An engine runs on its own thread with a large
/// stack, as in a worker.
/// </summary>
public abstract class EngineConformanceSpec
{
    private const int ThreadStack = 64 << 20;

    /// <summary>The factory under test.</summary>
    protected abstract IScriptEngineFactory Factory { get; }

    /// <summary>
    /// How the engine stops a runaway regular expression, and whether the pool replaces the engine afterwards:
    /// Jint has a regex timeout (LimitExceeded, the engine stays), V8 has none and its time limit interrupts the
    /// match (Timeout, the engine is replaced). The one documented difference between the engines.
    /// </summary>
    protected abstract (FailureKind Kind, LimitKind Limit, bool EngineSuspect) RunawayRegex { get; }

    /// <summary>
    /// How the engine answers a function whose promise never settles: V8 answers ScriptError at once (nothing
    /// can settle it once the call returned); Jint waits for it until the call is cut off (Cancelled here,
    /// Timeout in a pool).
    /// </summary>
    protected abstract FailureKind NeverSettlingPromise { get; }

    protected static EngineLimits Limits { get; } = PoolSettings.Default.Engine with
    {
        MemoryLimitBytes = 64L << 20,
        RecursionLimit = 500,
        RegexTimeout = TimeSpan.FromMilliseconds(200),
        TimeLimit = TimeSpan.FromMinutes(5),
        MaxArgsLength = 1000,
    };

    private static EngineLimitsDescription Describe(EngineLimits limits) => EngineLimitsDescription.From(limits);

    [Theory]
    [InlineData("basic", "add", "[1, 2]", "3")]
    [InlineData("basic", "reverse", "[\"abc\"]", "\"cba\"")]
    [InlineData("basic", "echo", "[{\"a\":[1,\"x\",null]}]", "{\"a\":[1,\"x\",null]}")]
    [InlineData("basic", "nothing", "[]", "null")]
    [InlineData("basic", "nothing", "", "null")]
    [InlineData("basic", "nothing", "  ", "null")]
    [InlineData("basic", "later", "[21]", "42")]
    [InlineData("probe", "object", "[]", "{\"text\":\"é\\\"\\\\\",\"list\":[1,2.5,null,true],\"nested\":{\"deep\":[]}}")]
    [InlineData("probe", "sum", "[1, 2, 3, 4]", "10")]
    public void Engine_should_answer_with_the_json_of_the_result(string module, string function, string args, string expected)
    {
        Assert.Equal(expected, OnEngine(Limits, engine => engine.Call(module, function, args, CancellationToken.None)));
    }

    [Fact]
    public void Engine_should_keep_module_state_between_calls_of_one_engine()
    {
        var counters = OnEngine(Limits, engine => Enumerable.Range(0, 3).Select(_ => engine.Call("basic", "increment", "[]", CancellationToken.None)).ToList());

        Assert.Equal(["1", "2", "3"], counters);
    }

    [Fact]
    public void Engine_should_pass_arguments_and_results_as_json_even_when_a_script_replaces_JSON()
    {
        var answers = OnEngine(Limits, engine => (engine.Call("probe", "keepJsonIntact", "[]", CancellationToken.None), engine.Call("basic", "echo", "[[1, {\"k\": \"v\"}]]", CancellationToken.None)));

        Assert.Equal(("1", "[1,{\"k\":\"v\"}]"), answers);
    }

    [Fact]
    public void Engine_should_report_a_thrown_error_as_ScriptError_with_its_message_and_javascript_stack()
    {
        var failure = Fail("faults", "boom", "[\"bad thing\"]");

        Assert.Equal((FailureKind.ScriptError, "bad thing", false), (failure.Kind, failure.Message, failure.EngineSuspect));
        Assert.Contains("boom", failure.Details ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_should_report_a_thrown_string_as_ScriptError_with_that_string()
    {
        var failure = Fail("faults", "throwString", "[]");

        Assert.Equal((FailureKind.ScriptError, "plain string"), (failure.Kind, failure.Message));
    }

    [Fact]
    public void Engine_should_report_a_rejected_promise_as_ScriptError()
    {
        var failure = Fail("probe", "rejects", "[\"async trouble\"]");

        Assert.Equal((FailureKind.ScriptError, "async trouble"), (failure.Kind, failure.Message));
    }

    [Theory]
    [InlineData("{", "the arguments are not valid JSON: ")]
    [InlineData("{\"a\": 1}", "the arguments must be a JSON array, e.g. [\"abc\", 1]")]
    [InlineData("42", "the arguments must be a JSON array, e.g. [\"abc\", 1]")]
    public void Engine_should_refuse_arguments_that_are_not_a_json_array_as_InvalidRequest(string args, string messageStart)
    {
        var failure = Fail("basic", "echo", args);

        Assert.Equal(FailureKind.InvalidRequest, failure.Kind);
        Assert.StartsWith(messageStart, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_should_refuse_arguments_longer_than_max_args_length()
    {
        var failure = Fail("basic", "echo", "[\"" + new string('x', 2000) + "\"]");

        Assert.Equal((FailureKind.InvalidRequest, "the arguments are 2004 characters long; the limit is 1000 (actor-pool.engine.max-args-length)"), (failure.Kind, failure.Message));
    }

    [Theory]
    [InlineData("faults", "nope", "module 'faults' exports no function 'nope'")]
    [InlineData("faults", "notAFunction", "module 'faults' exports no function 'notAFunction'")]
    [InlineData("missing", "f", "module 'missing' was not found")]
    public void Engine_should_report_a_missing_module_or_function_as_ModuleNotFound(string module, string function, string message)
    {
        var failure = Fail(module, function, "[]");

        Assert.Equal((FailureKind.ModuleNotFound, message), (failure.Kind, failure.Message));
    }

    [Theory]
    [InlineData("bigint", "the function's result cannot be represented as JSON: ")]
    [InlineData("cyclic", "the function's result cannot be represented as JSON: ")]
    [InlineData("returnsFunction", "the function returned a object, which JSON cannot represent")]
    public void Engine_should_report_a_result_that_is_not_json_as_ScriptError(string function, string messageStart)
    {
        var failure = Fail("faults", function, "[]");

        Assert.Equal(FailureKind.ScriptError, failure.Kind);
        Assert.StartsWith(messageStart, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_should_report_a_module_that_does_not_parse_as_ScriptError()
    {
        var failure = Fail("bad-syntax", "f", "[]");

        Assert.Equal(FailureKind.ScriptError, failure.Kind);
        Assert.StartsWith("module 'bad-syntax' does not parse: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_should_report_a_module_whose_top_level_throws_as_ScriptError_and_replace_the_engine()
    {
        var failure = Fail("throws-on-load", "f", "[]");

        Assert.Equal((FailureKind.ScriptError, "module 'throws-on-load' threw while loading: load failure", true), (failure.Kind, failure.Message, failure.EngineSuspect));
    }

    [Fact]
    public void Engine_should_not_let_a_module_import_files()
    {
        var failure = Fail("imports-file", "f", "[]");

        Assert.Equal(FailureKind.ScriptError, failure.Kind);
    }

    [Fact]
    public void Engine_should_expose_no_host_objects_to_scripts()
    {
        Assert.Equal("[]", OnEngine(Limits, engine => engine.Call("probe", "globals", "[]", CancellationToken.None)));
    }

    [Fact]
    public void Engine_should_stop_an_allocation_bomb_with_LimitExceeded_memory_and_keep_the_process()
    {
        var failure = Fail("faults", "allocate", "[]");

        Assert.Equal((FailureKind.LimitExceeded, LimitKind.Memory, true), (failure.Kind, failure.Limit, failure.EngineSuspect));
        Assert.Equal("the script exceeded the memory limit of 64 MiB (actor-pool.engine.memory-limit)", failure.Message);
        // Still here: the next engine of this process works.
        Assert.Equal("3", OnEngine(Limits, engine => engine.Call("basic", "add", "[1, 2]", CancellationToken.None)));
    }

    [Fact]
    public void Engine_should_stop_unbounded_recursion_with_LimitExceeded_recursion()
    {
        var failure = Fail("faults", "recurse", "[0]");

        Assert.Equal((FailureKind.LimitExceeded, LimitKind.Recursion, true), (failure.Kind, failure.Limit, failure.EngineSuspect));
        Assert.Equal("the script exceeded the call depth limit of 500 (actor-pool.engine.recursion-limit)", failure.Message);
    }

    [Theory]
    [InlineData("resultToJSON")]
    [InlineData("resultGetter")]
    public void Engine_should_answer_LimitExceeded_recursion_when_turning_the_result_into_json_recurses(string function)
    {
        // The recursion runs in the engine's own JSON encoding of the result, after the function returned.
        var failure = Fail("probe", function, "[]");

        Assert.Equal((FailureKind.LimitExceeded, LimitKind.Recursion, true), (failure.Kind, failure.Limit, failure.EngineSuspect));
    }

    [Fact]
    public void Engine_should_allow_recursion_within_the_recursion_limit()
    {
        Assert.Equal("450", OnEngine(Limits, engine => engine.Call("probe", "depth", "[450]", CancellationToken.None)));
    }

    [Theory]
    [InlineData("spin")]
    [InlineData("stubbornSpin")]
    public void Engine_should_stop_an_endless_loop_at_its_time_limit_with_Timeout(string function)
    {
        var limits = Limits with { TimeLimit = TimeSpan.FromMilliseconds(300) };

        var failure = Fail("faults", function, "[]", limits);

        Assert.Equal((FailureKind.Timeout, LimitKind.Time, true), (failure.Kind, failure.Limit, failure.EngineSuspect));
        Assert.Equal("the script ran longer than the engine time limit of 00:00:00.3000000 (actor-pool.engine.time-limit)", failure.Message);
    }

    [Fact]
    public void Engine_should_stop_a_module_whose_top_level_never_ends_at_the_time_limit()
    {
        var limits = Limits with { TimeLimit = TimeSpan.FromMilliseconds(300) };

        var failure = Fail("spins-on-load", "f", "[]", limits);

        Assert.Equal((FailureKind.Timeout, true), (failure.Kind, failure.EngineSuspect));
    }

    [Fact]
    public void Engine_should_not_wait_forever_for_a_promise_that_never_settles()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var failure = Fail("probe", "pending", "[]", cancellation: cancel.Token);

        Assert.Equal(NeverSettlingPromise, failure.Kind);
    }

    [Theory]
    [InlineData("faults", "catastrophicRegex")]
    [InlineData("regexes", "test")]
    [InlineData("regexes", "replace")]
    [InlineData("regexes", "split")]
    [InlineData("regexes", "match")]
    [InlineData("regexes", "matchAll")]
    [InlineData("regexes", "alternation")]
    [InlineData("regexes", "doubled")]
    public void Engine_should_stop_a_runaway_regular_expression(string module, string function)
    {
        var limits = Limits with { TimeLimit = TimeSpan.FromMilliseconds(500) };

        var failure = Fail(module, function, "[]", limits);

        Assert.Equal(RunawayRegex, (failure.Kind, failure.Limit, failure.EngineSuspect));
    }

    [Fact]
    public void Engine_should_stop_a_running_call_when_its_token_is_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var failure = Fail("faults", "spin", "[]", cancellation: cancel.Token);

        Assert.Equal((FailureKind.Cancelled, true), (failure.Kind, failure.EngineSuspect));
    }

    [Fact]
    public void Engine_should_count_the_distinct_modules_it_loaded()
    {
        var count = OnEngine(Limits, engine =>
        {
            engine.EnsureModule("basic");
            engine.EnsureModule("basic");
            engine.Call("faults", "count", "[3]", CancellationToken.None);
            return engine.LoadedModuleCount;
        });

        Assert.Equal(2, count);
    }

    /// <summary>Runs <paramref name="body"/> with a fresh engine on a thread of its own, as a worker does.</summary>
    protected T OnEngine<T>(EngineLimits limits, Func<IScriptEngine, T> body)
    {
        var catalog = new ModuleCatalog(EngineScripts.Source());
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    using var engine = Factory.Create(limits, catalog);
                    result = body(engine);
                }
#pragma warning disable CA1031 // Re-thrown on the test thread.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }
            },
            ThreadStack);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the engine thread did not finish within 60 s");
        failure?.Throw();
        return result;
    }

    /// <summary>Calls a function that must fail and returns the failure as the pool maps it.</summary>
    internal EngineFailure Fail(string module, string function, string args, EngineLimits? limits = null, CancellationToken cancellation = default)
    {
        limits ??= Limits;
        var exception = Assert.ThrowsAny<Exception>(() => OnEngine(limits, engine => engine.Call(module, function, args, cancellation)));
        var failure = EngineFailures.Map(exception, Describe(limits));
        Assert.True(failure.HasValue, $"the exception is not a task failure (the worker would crash): {exception}");
        return failure.Value;
    }
}
