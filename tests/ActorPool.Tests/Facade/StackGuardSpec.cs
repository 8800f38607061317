using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Facade;

/// <summary>
/// Recursion that the call-depth limit does not count as calls (accessors, coercions, callbacks from
/// built-ins) at the highest allowed recursion limit: the engine must fail the call, never overflow the native
/// stack (which would end the process, and this test run with it).
/// </summary>
public sealed class StackGuardSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    private const string Routes = """
        export function getter() { const o = { get x() { return this.x; } }; return o.x; }
        export function coercion() { const o = { toString() { return `${o}`; } }; return String(o); }
        export function valueOf() { const o = { valueOf() { return o + 1; } }; return o * 2; }
        export function toJSON() { const o = { toJSON() { return JSON.stringify(o); } }; return JSON.stringify(o); }
        export function sortComparator() {
            const sortDeep = () => [3, 1, 2].sort((a, b) => { sortDeep(); return a - b; });
            return sortDeep();
        }
        export function resultToJSON() { const o = { toJSON() { return JSON.stringify(o); } }; return o; }
        export function resultGetter() { return { get x() { return this.x; } }; }
        export function plain(n) { return n === 0 ? 0 : 1 + plain(n - 1); }
        """;

    [Theory]
    [InlineData("getter")]
    [InlineData("coercion")]
    [InlineData("valueOf")]
    [InlineData("toJSON")]
    [InlineData("sortComparator")]
    [InlineData("resultToJSON")]
    [InlineData("resultGetter")]
    public async Task ScriptPool_should_answer_LimitExceeded_recursion_for_recursion_through(string route)
    {
        var settings = Settings();
        await using var pool = StartPool(
            // Unwinding tens of thousands of native frames takes seconds on a busy machine: the in-flight
            // timeout must not be what answers.
            settings with { InFlightTimeout = TimeSpan.FromSeconds(60), Engine = settings.Engine with { RecursionLimit = 100_000 } },
            new InMemoryModuleSource().Set("routes", Routes));

        var error = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("routes", route, "[]"));

        Assert.Equal(LimitKind.Recursion, error.Limit);
        // The process and the pool are alive: deep but legal recursion still works afterwards.
        Assert.Equal("1000", (await pool.RunAsync("routes", "plain", "[1000]")).Json);
    }
}
