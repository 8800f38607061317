using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Tests.Engines;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Facade;

/// <summary>The memory limit through the facade: it bounds what a call holds, not what it churns.</summary>
[Collection(HeldMemorySpecs.Name)]
public sealed class HeldMemoryLimitSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    private const long Limit = 8L << 20;

    private ScriptPool Start()
    {
        var settings = Settings();
        return StartPool(
            // Generous in-flight timeout: on a busy machine the churn takes seconds, and the limit under test is memory.
            settings with { InFlightTimeout = TimeSpan.FromSeconds(60), Engine = settings.Engine with { MemoryLimitBytes = Limit } },
            new InMemoryModuleSource().Set("mem", HeldMemoryConstraintSpec.Module).Set("basic", TestModules.Basic));
    }

    [Fact]
    public async Task ScriptPool_should_let_a_call_churn_far_more_than_the_memory_limit()
    {
        await using var pool = Start();

        // 4,000 rounds of an 80 KB+ array: over 300 MiB of short-lived garbage against an 8 MiB limit.
        var result = await pool.RunAsync("mem", "churn", "[4000]");

        Assert.Equal("40000000", result.Json);
    }

    [Fact]
    public async Task ScriptPool_should_stop_a_call_holding_more_than_the_limit_and_keep_serving()
    {
        await using var pool = Start();

        var grow = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("mem", "hold", "[100000]"));
        // Holds 32 MiB, then spins: stopped for memory, not by the in-flight timeout.
        var spin = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("mem", "holdThenSpin", "[32]"));

        Assert.Equal((LimitKind.Memory, LimitKind.Memory), (grow.Limit, spin.Limit));
        Assert.Equal("the script exceeded the memory limit of 8 MiB (actor-pool.engine.memory-limit)", grow.Message);
        Assert.Equal("\"ok\"", (await pool.RunAsync("basic", "echo", ["ok"])).Json);
    }

    [Fact]
    public async Task ScriptPool_should_stop_an_allocation_bomb_at_the_memory_limit_before_its_in_flight_timeout_and_keep_serving()
    {
        // The default test settings: 64 MiB memory limit, 5 s in-flight timeout.
        await using var pool = StartPool(Settings());

        var error = await Assert.ThrowsAsync<ScriptLimitExceededException>(() => pool.RunAsync("faults", "allocate", "[0]"));

        Assert.Equal(LimitKind.Memory, error.Limit);
        Assert.Contains("actor-pool.engine.", error.Message, StringComparison.Ordinal);
        Assert.Equal("\"ok\"", (await pool.RunAsync("basic", "echo", ["ok"])).Json);
    }
}
