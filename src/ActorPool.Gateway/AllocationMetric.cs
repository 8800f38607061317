using Prometheus;

namespace ActorPool.Gateway;

/// <summary>
/// Publishes <c>dotnet_gc_heap_total_allocated_bytes_total</c> on <c>/metrics</c>: the managed bytes this process has
/// allocated since it started (<see cref="GC.GetTotalAllocatedBytes"/>), read at each scrape. Two scrapes around a
/// load window give bytes allocated per request (the bench's <c>yt-cipher</c> scenario does this).
/// </summary>
/// <remarks>prometheus-net's default metrics have the heap size and collection counts but not this total, and the
/// runtime's own meter is switched off in <see cref="PoolMeterExporter"/> (it would export its names doubled).</remarks>
internal static class AllocationMetric
{
    private static int s_registered;

    /// <summary>Registers the counter once per process (the default registry is process-wide too).</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0)
        {
            return;
        }

        var allocated = Metrics.CreateCounter(
            "dotnet_gc_heap_total_allocated_bytes_total",
            "Managed bytes allocated by the process since it started (GC.GetTotalAllocatedBytes, not precise).");
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() => allocated.IncTo(GC.GetTotalAllocatedBytes(precise: false)));
    }
}
