using System.Diagnostics.Tracing;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>
/// The runtime's part of <c>/metrics</c>: adds <c>dotnet_gc_heap_total_allocated_bytes_total</c> (the managed bytes
/// this process has allocated since it started, <see cref="GC.GetTotalAllocatedBytes"/>, read at each scrape; two
/// scrapes around a load window give bytes allocated per request, as the bench's <c>yt-cipher</c> scenario does), and
/// keeps prometheus-net's event-counter adapter from switching on per-request events.
/// </summary>
/// <remarks>
/// <para>prometheus-net's default metrics have the heap size and collection counts but not the allocation total, and
/// the runtime's own meter is switched off in <see cref="PoolMeterExporter"/> (it would export its names doubled).</para>
/// <para>The event-counter adapter enables every event source it reads counters from at Informational level by
/// default, which makes ASP.NET Core's hosting and Kestrel event sources write a start and a stop event for every
/// request and connection (an allocation and a formatted payload each). Counter values are written at the
/// LogAlways level, so enabling the sources at Warning keeps every counter and drops the per-request events.</para>
/// </remarks>
internal static class RuntimeMetrics
{
    private static int s_configured;

    /// <summary>Configures the default registry once per process (it is process-wide too); before the first scrape.</summary>
    public static void EnsureConfigured()
    {
        if (Interlocked.Exchange(ref s_configured, 1) != 0)
        {
            return;
        }

        Metrics.ConfigureEventCounterAdapter(o => o.EventSourceSettingsProvider = _ => new EventCounterAdapterEventSourceSettings
        {
            MinimumLevel = EventLevel.Warning,
        });
        var allocated = Metrics.CreateCounter(
            "dotnet_gc_heap_total_allocated_bytes_total",
            "Managed bytes allocated by the process since it started (GC.GetTotalAllocatedBytes, not precise).");
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() => allocated.IncTo(GC.GetTotalAllocatedBytes(precise: false)));
    }
}
