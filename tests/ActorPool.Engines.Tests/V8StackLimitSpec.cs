using ActorPool.Configuration;
using ActorPool.Engines.V8;

namespace ActorPool.Engines.Tests;

/// <summary>How the pool's recursion limit becomes V8's stack allowance, and what the caller is told when it is reached.</summary>
public sealed class V8StackLimitSpec
{
    [Theory]
    [InlineData(500, 64, 1L << 20)]
    [InlineData(5000, 64, 5000L * 1024)]
    [InlineData(100_000, 64, 32L << 20)]
    [InlineData(100_000, 1, 512L * 1024)]
    public void V8_should_get_recursion_limit_KiB_of_stack_at_least_1_MiB_at_most_half_the_engine_thread(int recursionLimit, int threadStackMiB, long expected)
    {
        var limits = PoolSettings.Default.Engine with { RecursionLimit = recursionLimit, ThreadStackSize = threadStackMiB << 20 };

        Assert.Equal(expected, ClearScriptV8Engine.StackUsage(limits));
    }

    [Fact]
    public void The_message_should_name_the_thread_stack_size_when_it_caps_the_recursion_limit()
    {
        var capped = PoolSettings.Default.Engine with { RecursionLimit = 100_000, ThreadStackSize = 64 << 20 };
        var uncapped = capped with { RecursionLimit = 1000 };

        Assert.Equal(
            "the script exceeded V8's stack limit of 32 MiB, half of the engine thread's stack (actor-pool.engine.thread-stack-size), which is less than the call depth limit of 100000 (actor-pool.engine.recursion-limit) at 1 KiB a call",
            ClearScriptV8Engine.StackLimitMessage(capped));
        // Otherwise the pool's usual message for the recursion limit is true.
        Assert.Null(ClearScriptV8Engine.StackLimitMessage(uncapped));
    }
}
