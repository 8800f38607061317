using System.Text;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;

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
    public void Reports_the_stack_guard_as_NativeStackExhausted_which_maps_to_LimitExceeded_recursion()
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

        Assert.IsType<NativeStackExhaustedException>(caught);
        var failure = EngineFailures.Map(caught, EngineLimitsDescription.From(limits));
        Assert.Equal((Protocol.FailureKind.LimitExceeded, Protocol.LimitKind.Recursion), (failure!.Value.Kind, failure.Value.Limit));
        Assert.Contains("actor-pool.engine.recursion-limit", failure.Value.Message, StringComparison.Ordinal);
    }
}
