using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorPool.Telemetry;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>
/// Publishes the <c>ActorPool</c> meter on <c>/metrics</c> under Prometheus names: <c>actorpool.tasks</c> becomes
/// the counter <c>actorpool_tasks_total</c>, <c>actorpool.task.wait</c> (ms) the histogram
/// <c>actorpool_task_wait_seconds</c>, <c>actorpool.workers</c> the gauge <c>actorpool_workers</c>.
/// </summary>
/// <remarks>
/// prometheus-net's own meter adapter prefixes every name with the meter's name (which gives
/// <c>actorpool_actorpool_tasks</c>) and exports counters as gauges; this small listener does neither.
/// One listener per process, like the default registry it writes to.
/// </remarks>
internal static class PoolMeterExporter
{
    /// <summary>Bucket bounds in seconds for the wait and run histograms: 100 µs to 30 s.</summary>
    private static readonly double[] s_secondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly ConcurrentDictionary<Instrument, Exported> s_exported = new();
    private static int s_started;

    /// <summary>Starts the listener once per process; later calls do nothing.</summary>
    public static void EnsureStarted()
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }

        // The default adapter would publish the same instruments a second time under the doubled names.
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = _ => false);

        // Lives as long as the process, like Metrics.DefaultRegistry.
#pragma warning disable CA2000 // never disposed on purpose: see above
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PoolMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
#pragma warning restore CA2000
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();

        // Gauges are observed, not pushed: read them just before each scrape.
        Metrics.DefaultRegistry.AddBeforeCollectCallback(listener.RecordObservableInstruments);
    }

    /// <summary>The Prometheus name of <paramref name="instrument"/>.</summary>
    internal static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_').Replace('-', '_');
        return instrument switch
        {
            Counter<long> => name + "_total",
            Histogram<double> when instrument.Unit == "ms" => name + "_seconds",
            _ => name,
        };
    }

    private static void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new string[tags.Length];
        var values = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labels[i] = tags[i].Key;
            values[i] = tags[i].Value?.ToString() ?? string.Empty;
        }

        // Tag order is not guaranteed; label order must be stable.
        Array.Sort(labels, values, StringComparer.Ordinal);
        var exported = s_exported.GetOrAdd(instrument, static (i, labelNames) => Exported.Create(i, labelNames), labels);
        if (!exported.LabelNames.AsSpan().SequenceEqual(labels))
        {
            return; // The pool always tags an instrument with the same keys; anything else is not ours to guess.
        }

        switch (exported.Metric)
        {
            case Counter counter:
                counter.WithLabels(values).Inc(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(values).Observe(instrument.Unit == "ms" ? value / 1000 : value);
                break;
            case Gauge gauge:
                gauge.WithLabels(values).Set(value);
                break;
        }
    }

    private sealed record Exported(string[] LabelNames, Collector Metric)
    {
        public static Exported Create(Instrument instrument, string[] labelNames)
        {
            var name = PrometheusName(instrument);
            var help = instrument.Description ?? instrument.Name;
            Collector metric = instrument switch
            {
                Counter<long> => Metrics.CreateCounter(name, help, labelNames),
                Histogram<double> when instrument.Unit == "ms" => Metrics.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = s_secondsBuckets }),
                Histogram<double> => Metrics.CreateHistogram(name, help, labelNames),
                _ => Metrics.CreateGauge(name, help, labelNames),
            };
            return new Exported(labelNames, metric);
        }
    }
}
