using System.Text;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Protocol;

namespace ActorPool.Tests.Engines;

public sealed class JintScriptEngineSpec
{
    private const string Shapes = """
        export function plain(x) { return x + 1; }
        function hidden(x) { return x * 10; }
        export { hidden as renamed, hidden as "odd name/with \"quotes\"" };
        export default function (x) { return 'default ' + x; }
        export const arrow = (x) => x * 2;
        export class Thing { }
        export let counter = 0;
        export function bump() { counter++; return counter; }
        export const notAFunction = 42;
        """;

    private const string Destructured = """
        const source = { first: (x) => 'first ' + x, second: 7 };
        export const { first, second } = source;
        """;

    private const string Throws = """
        export function never() { return 1; }
        throw new Error('top level failed');
        """;

    private static JintScriptEngine Engine(InMemoryModuleSource source) =>
        new(PoolSettings.Default.Engine, new ModuleCatalog(source));

    private static string Many(int count)
    {
        var code = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            code.Append("export function f").Append(i).Append("(x) { return x + ").Append(i).Append("; }\n");
        }

        return code.ToString();
    }

    [Fact]
    public void Calls_every_shape_of_exported_function()
    {
        using var engine = Engine(new InMemoryModuleSource().Set("shapes", Shapes));

        Assert.Equal("2", engine.Call("shapes", "plain", "[1]", CancellationToken.None));
        Assert.Equal("30", engine.Call("shapes", "renamed", "[3]", CancellationToken.None));
        Assert.Equal("40", engine.Call("shapes", "odd name/with \"quotes\"", "[4]", CancellationToken.None));
        Assert.Equal("\"default x\"", engine.Call("shapes", "default", "[\"x\"]", CancellationToken.None));
        Assert.Equal("10", engine.Call("shapes", "arrow", "[5]", CancellationToken.None));
        Assert.Equal(1, engine.LoadedModuleCount);
    }

    [Fact]
    public void Keeps_module_state_across_calls_through_different_functions()
    {
        using var engine = Engine(new InMemoryModuleSource().Set("shapes", Shapes));

        Assert.Equal("1", engine.Call("shapes", "bump", "[]", CancellationToken.None));
        Assert.Equal("2", engine.Call("shapes", "bump", "[]", CancellationToken.None));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("notAFunction")]
    [InlineData("hidden")]
    [InlineData("counter")]
    public void Answers_FunctionNotFound_for_names_that_are_not_exported_functions(string function)
    {
        using var engine = Engine(new InMemoryModuleSource().Set("shapes", Shapes));

        Assert.Throws<FunctionNotFoundException>(() => engine.Call("shapes", function, "[]", CancellationToken.None));
        // The module still works afterwards.
        Assert.Equal("2", engine.Call("shapes", "plain", "[1]", CancellationToken.None));
    }

    [Fact]
    public void Falls_back_to_the_namespace_when_exports_are_not_statically_known()
    {
        using var engine = Engine(new InMemoryModuleSource().Set("destructured", Destructured));

        Assert.Equal("\"first a\"", engine.Call("destructured", "first", "[\"a\"]", CancellationToken.None));
        Assert.Throws<FunctionNotFoundException>(() => engine.Call("destructured", "second", "[]", CancellationToken.None));
        Assert.Throws<FunctionNotFoundException>(() => engine.Call("destructured", "third", "[]", CancellationToken.None));
    }

    [Fact]
    public void Reports_a_throwing_top_level_as_an_evaluation_error_each_time()
    {
        using var engine = Engine(new InMemoryModuleSource().Set("throws", Throws));

        var first = Assert.Throws<ModuleLoadException>(() => engine.EnsureModule("throws"));
        var second = Assert.Throws<ModuleLoadException>(() => engine.Call("throws", "never", "[]", CancellationToken.None));

        Assert.Equal((ModuleLoadFailure.EvaluationError, ModuleLoadFailure.EvaluationError), (first.Failure, second.Failure));
        Assert.Contains("top level failed", first.Message, StringComparison.Ordinal);
        Assert.Equal(0, engine.LoadedModuleCount);
    }

    [Fact]
    public void Loads_a_module_with_thousands_of_exports_and_calls_any_of_them()
    {
        var source = new InMemoryModuleSource().Set("many", Many(5000));
        var catalog = new ModuleCatalog(source);
        using var engine = new JintScriptEngine(PoolSettings.Default.Engine, catalog);

        engine.EnsureModule("many");

        Assert.Equal("4999", engine.Call("many", "f4999", "[0]", CancellationToken.None));
        Assert.Equal("1", engine.Call("many", "f0", "[1]", CancellationToken.None));
        Assert.Throws<FunctionNotFoundException>(() => engine.Call("many", "f5000", "[0]", CancellationToken.None));
    }

    [Fact]
    public void Reports_the_stack_guard_as_LimitExceeded_recursion_with_its_own_message()
    {
        var limits = PoolSettings.Default.Engine with { RecursionLimit = 100_000 };
        var source = new InMemoryModuleSource().Set("deep", "export function getter() { const o = { get x() { return this.x; } }; return o.x; }");
        Exception? caught = null;
        // A thread of its own with a small stack, so the guard (not the depth limit) is what fires, quickly.
        var thread = new Thread(
            () =>
            {
                using var engine = new JintScriptEngine(limits, new ModuleCatalog(source));
                caught = Record.Exception(() => engine.Call("deep", "getter", "[]", CancellationToken.None));
            },
            4 << 20);
        thread.Start();
        thread.Join();

        var limit = Assert.IsType<EngineLimitExceededException>(caught);
        Assert.Equal((LimitKind.Recursion, false), (limit.Limit, limit.EngineReusable));
        var failure = EngineFailures.Map(limit, EngineLimitsDescription.From(limits));
        Assert.Equal((FailureKind.LimitExceeded, LimitKind.Recursion, true), (failure!.Value.Kind, failure.Value.Limit, failure.Value.EngineSuspect));
        Assert.Equal("the script recursed through accessors, coercions or callbacks until the engine thread's stack ran out, within the call depth limit of 100000 (actor-pool.engine.recursion-limit, actor-pool.engine.thread-stack-size)", failure.Value.Message);
    }

    private const string Regexes = """
        let calls = 0;
        export function count() { return ++calls; }
        export function run(code) { calls++; return (0, eval)(code); }
        export async function later(code) { await null; return (0, eval)(code); }
        """;

    private static readonly EngineLimits RegexLimits = PoolSettings.Default.Engine with
    {
        RegexTimeout = TimeSpan.FromMilliseconds(200),
        TimeLimit = TimeSpan.FromMinutes(5),
    };

    [Theory]
    [InlineData("/^(a+)+$/.test('a'.repeat(34) + 'b')")]
    [InlineData("/^(a+)+$/.exec('a'.repeat(34) + 'b')")]
    [InlineData("('a'.repeat(34) + 'b').match(/^(a+)+$/)")]
    [InlineData("('a'.repeat(34) + 'b').match(/^(a+)+$/g)")]
    [InlineData("[...('a'.repeat(34) + 'b').matchAll(/^(a+)+$/g)]")]
    [InlineData("('a'.repeat(34) + 'b').replace(/^(a+)+$/, 'x')")]
    [InlineData("('a'.repeat(34) + 'b').replace(/^(a+)+$/g, () => 'x')")]
    [InlineData("('a'.repeat(34) + 'b').replaceAll(/^(a+)+$/g, 'x')")]
    [InlineData("('a'.repeat(34) + 'b').split(/^(a+)+$/)")]
    [InlineData("('a'.repeat(34) + 'b').search(/^(a+)+$/)")]
    [InlineData("/(a|aa)+$/.test('a'.repeat(60) + 'b')")]
    [InlineData("/(x+x+)+y/.test('x'.repeat(40))")]
    [InlineData("'x'.repeat(40).split(/(x+x+)+y/)")]
    [InlineData("new RegExp('^(a+)+$').test('a'.repeat(34) + 'b')")]
    // Patterns Jint runs on its own regex engine rather than .NET's: unicode mode, captures in a repeated group.
    [InlineData("/^(a+)+$/u.test('a'.repeat(34) + 'b')")]
    [InlineData("/^((a)+)+$/.test('a'.repeat(34) + 'b')")]
    public void Stops_a_catastrophic_regex_at_the_regex_timeout_and_stays_usable(string code)
    {
        // The regex as a literal of a module, as the pool prepares it (Jint compiles those ahead of the call).
        var shape = Regexes + "\nexport function shape() { calls++; return " + code + "; }";
        using var engine = new JintScriptEngine(RegexLimits, new ModuleCatalog(new InMemoryModuleSource().Set("regexes", shape)));
        Assert.Equal("1", engine.Call("regexes", "count", "[]", CancellationToken.None));

        var limit = Assert.Throws<EngineLimitExceededException>(() => engine.Call("regexes", "shape", "[]", CancellationToken.None));

        Assert.Equal((LimitKind.RegexTimeout, true), (limit.Limit, limit.EngineReusable));
        var failure = EngineFailures.Map(limit, EngineLimitsDescription.From(RegexLimits))!.Value;
        Assert.Equal((FailureKind.LimitExceeded, LimitKind.RegexTimeout, false), (failure.Kind, failure.Limit, failure.EngineSuspect));
        Assert.Equal("a regular expression ran longer than 00:00:00.2000000 (actor-pool.engine.regex-timeout)", failure.Message);
        // The same engine, its module state as the cut-off call left it (shape counted before its regex), serves on.
        Assert.Equal("3", engine.Call("regexes", "count", "[]", CancellationToken.None));
        Assert.Equal("true", engine.Call("regexes", "run", Args("/^(a+)+$/.test('aaaa')"), CancellationToken.None));
    }

    [Fact]
    public void Replaces_the_engine_after_a_catastrophic_regex_while_awaiting_a_promise_or_loading_a_module()
    {
        var source = new InMemoryModuleSource()
            .Set("regexes", Regexes)
            .Set("loads-slowly", "export const ok = /^(a+)+$/.test('a'.repeat(34) + 'b');\nexport function f() { return ok; }");
        // A fresh engine each: a module whose top level was cut off stays half-loaded (the pool replaces the engine).
        JintScriptEngine Fresh() => new(RegexLimits, new ModuleCatalog(source));
        using var first = Fresh();
        using var second = Fresh();
        using var third = Fresh();

        var awaiting = Assert.Throws<EngineLimitExceededException>(() => first.Call("regexes", "later", Args("/^(a+)+$/.test('a'.repeat(34) + 'b')"), CancellationToken.None));
        var loading = Assert.Throws<EngineLimitExceededException>(() => second.EnsureModule("loads-slowly"));
        var loadingInCall = Assert.Throws<EngineLimitExceededException>(() => third.Call("loads-slowly", "f", "[]", CancellationToken.None));

        Assert.Equal(
            [(LimitKind.RegexTimeout, false), (LimitKind.RegexTimeout, false), (LimitKind.RegexTimeout, false)],
            new[] { awaiting, loading, loadingInCall }.Select(e => (e.Limit, e.EngineReusable)));
    }

    [Theory]
    [InlineData("throw new TypeError('bad')", typeof(global::ActorPool.Engines.ScriptErrorException))]
    [InlineData("Promise.reject(new Error('later'))", typeof(global::ActorPool.Engines.ScriptErrorException))]
    [InlineData("import('/etc/hostname')", typeof(global::ActorPool.Engines.ScriptErrorException))]
    [InlineData("(function f() { return f() + 1; })()", typeof(EngineLimitExceededException))]
    [InlineData("{ const keep = []; while (true) { keep.push(new Array(100000).fill(1)); } }", typeof(EngineLimitExceededException))]
    [InlineData("for (let i = 0; i < 1e9; i++) { }", typeof(EngineLimitExceededException))]
    public void Turns_Jint_failures_into_the_seams_exception_types(string code, Type expected)
    {
        var limits = RegexLimits with { MemoryLimitBytes = 32L << 20, RecursionLimit = 200, MaxStatements = 100_000 };
        using var engine = new JintScriptEngine(limits, new ModuleCatalog(new InMemoryModuleSource().Set("regexes", Regexes)));

        var exception = Record.Exception(() => engine.Call("regexes", "run", Args(code), CancellationToken.None));

        Assert.IsType(expected, exception);
        Assert.NotNull(EngineFailures.Map(exception!, EngineLimitsDescription.From(limits)));
    }

    [Fact]
    public void Turns_Jints_time_limit_and_cancellation_into_TimeoutException_and_OperationCanceledException()
    {
        var limits = RegexLimits with { TimeLimit = TimeSpan.FromMilliseconds(100) };
        using var engine = new JintScriptEngine(limits, new ModuleCatalog(new InMemoryModuleSource().Set("regexes", Regexes)));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var timedOut = Record.Exception(() => engine.Call("regexes", "run", Args("while (true) { }"), CancellationToken.None));
        var cancelled = Record.Exception(() => engine.Call("regexes", "run", Args("while (true) { }"), cancel.Token));

        Assert.IsType<TimeoutException>(timedOut);
        Assert.Equal(cancel.Token, Assert.IsType<OperationCanceledException>(cancelled).CancellationToken);
    }

    [Fact]
    public void Reports_a_module_that_imports_another_as_failing_to_load_with_a_script_stack_free_message()
    {
        var source = new InMemoryModuleSource().Set("imports", "import * as x from '/etc/hostname';\nexport function f() { return 1; }");
        using var engine = new JintScriptEngine(RegexLimits, new ModuleCatalog(source));

        var load = Assert.Throws<ModuleLoadException>(() => engine.Call("imports", "f", "[]", CancellationToken.None));

        Assert.Equal(ModuleLoadFailure.EvaluationError, load.Failure);
        Assert.Equal("module 'imports' threw while loading: cannot import '/etc/hostname': a pool loads modules by name, scripts cannot import", load.Message);
    }

    [Fact]
    public void The_pools_failure_mapping_knows_only_the_seams_types()
    {
        var limits = EngineLimitsDescription.From(RegexLimits);

        // Jint's own exceptions are the engine's business: one that escaped an engine means the engine is broken.
        Assert.Null(EngineFailures.Map(new Jint.Runtime.StatementsCountOverflowException(), limits));
        Assert.Null(EngineFailures.Map(new Jint.Runtime.ExecutionCanceledException(), limits));
        Assert.Equal(FailureKind.LimitExceeded, EngineFailures.Map(new EngineLimitExceededException(LimitKind.Statements), limits)!.Value.Kind);
    }

    /// <summary>A JSON argument array holding <paramref name="code"/> as its one string.</summary>
    private static string Args(string code) => System.Text.Json.JsonSerializer.Serialize(new[] { code });
}
