using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using Jint.Runtime;

namespace ActorPool.Tests.Engines;

[Collection(HeldMemorySpecs.Name)]
public sealed class HeldMemoryConstraintSpec
{
    private const long Limit = 8L << 20;

    // Each round allocates a fresh 10,000-element array (at least 80 KB) and drops it.
    internal const string Module = """
        export function churn(rounds) {
            let total = 0;
            for (let i = 0; i < rounds; i++) { const a = new Array(10000).fill(i); total += a.length; }
            return total;
        }
        export function hold(megabytes) {
            const keep = [];
            for (let i = 0; i < megabytes; i++) { keep.push(new Array(131072).fill(i)); }
            return keep.length;
        }
        export function fillHuge() { const a = []; a.length = 2 ** 32 - 1; return a.fill(1).length; }
        export function holdThenSpin(megabytes) {
            const keep = [];
            for (let i = 0; i < megabytes; i++) { keep.push(new Array(131072).fill(i)); }
            while (true) { }
        }
        """;

    private static JintScriptEngine Engine(long limit = Limit, TimeSpan? timeLimit = null) => new(
        PoolSettings.Default.Engine with { MemoryLimitBytes = limit, TimeLimit = timeLimit ?? TimeSpan.FromSeconds(30) },
        new ModuleCatalog(new InMemoryModuleSource().Set("mem", Module)));

    [Fact]
    public void A_call_churning_20_times_the_limit_and_holding_little_succeeds()
    {
        using var engine = Engine();
        engine.EnsureModule("mem");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = engine.Call("mem", "churn", "[4000]", CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("40000000", result);
        Assert.True(allocated >= 20 * Limit, $"the call allocated only {allocated} bytes");
        // Forced collections are rate-limited by what the call allocates: at most one per limit's worth.
        var constraint = engine.MemoryConstraint!;
        Assert.True(constraint.YoungCollections + constraint.FullCollections <= (allocated / Limit) + 1, $"{constraint.YoungCollections} young and {constraint.FullCollections} full collections for {allocated} bytes");
    }

    [Fact]
    public void A_call_holding_more_than_the_limit_is_stopped_with_MemoryLimitExceeded()
    {
        using var engine = Engine();

        var error = Assert.Throws<EngineLimitExceededException>(() => engine.Call("mem", "hold", "[100000]", CancellationToken.None));

        Assert.Equal(Protocol.LimitKind.Memory, error.Limit);
        Assert.Contains("holds about", Assert.IsType<MemoryLimitExceededException>(error.InnerException).Message, StringComparison.Ordinal);
        Assert.True(engine.MemoryConstraint!.LastConfirmedHeld > Limit);
        // The engine is usable again and the next call gets a fresh baseline.
        Assert.Equal("2", engine.Call("mem", "hold", "[2]", CancellationToken.None));
    }

    [Fact]
    public void A_call_that_crossed_the_limit_and_then_only_computes_is_stopped_before_its_time_limit()
    {
        using var engine = Engine(timeLimit: TimeSpan.FromSeconds(60));

        // Holds four times the limit, then spins without allocating: the time-based probe must catch it.
        var error = Assert.Throws<EngineLimitExceededException>(() => engine.Call("mem", "holdThenSpin", "[32]", CancellationToken.None));
        Assert.Equal(Protocol.LimitKind.Memory, error.Limit);
    }

    [Fact]
    public void Garbage_in_the_heap_at_call_start_that_a_collection_frees_during_the_call_does_not_hide_what_the_call_holds()
    {
        // The constraint alone, driven like Jint drives it: Reset at call start, Check as the call allocates.
        var constraint = new HeldMemoryConstraint(Limit);
        // 16 times the limit of garbage in the heap when the call starts, then a collection (the runtime's, as far
        // as the constraint knows) frees it early in the call.
        LeaveGarbage(16 * Limit);
        constraint.Reset();
        GC.Collect();

        var held = new List<byte[]>();
        var error = Record.Exception(() =>
        {
            while (held.Count < 4 * (Limit >> 20))
            {
                held.Add(new byte[1 << 20]);
                constraint.Check();
            }
        });

        // Stopped by the time it holds twice the limit (plus one chunk), not after the 16 times the limit that left.
        Assert.IsType<MemoryLimitExceededException>(error);
        Assert.InRange(held.Count, (Limit >> 20) + 1, (2 * (Limit >> 20)) + 1);
        GC.KeepAlive(held);
    }

    private static void LeaveGarbage(long bytes)
    {
        // Inside a no-GC region so the runtime cannot collect it before the call starts.
        Assert.True(GC.TryStartNoGCRegion(bytes + (16L << 20)), "the runtime refused a no-GC region");
        var dropped = new List<byte[]>();
        for (long left = bytes; left > 0; left -= 1 << 20)
        {
            dropped.Add(new byte[1 << 20]);
        }

        GC.KeepAlive(dropped);
        GC.EndNoGCRegion();
    }

    [Fact]
    public void The_memory_failure_maps_to_LimitExceeded_memory_with_the_usual_message()
    {
        using var engine = Engine();
        var exception = Assert.Throws<EngineLimitExceededException>(() => engine.Call("mem", "hold", "[100000]", CancellationToken.None));

        var failure = EngineFailures.Map(exception, EngineLimitsDescription.From(PoolSettings.Default.Engine with { MemoryLimitBytes = Limit }));

        Assert.NotNull(failure);
        Assert.Equal((Protocol.FailureKind.LimitExceeded, Protocol.LimitKind.Memory), (failure.Value.Kind, failure.Value.Limit));
        Assert.Equal("the script exceeded the memory limit of 8 MiB (actor-pool.engine.memory-limit)", failure.Value.Message);
    }

    [Fact]
    public void One_bulk_builtin_call_that_holds_more_than_the_limit_is_stopped_inside_the_builtin()
    {
        using var engine = Engine();

        // One statement: Array.prototype.fill over 4 billion slots. Jint checks constraints every 10,000 iterations.
        var error = Assert.Throws<EngineLimitExceededException>(() => engine.Call("mem", "fillHuge", "[]", CancellationToken.None));
        Assert.Equal(Protocol.LimitKind.Memory, error.Limit);
    }
}
