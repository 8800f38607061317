using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorPool.Protocol;

namespace ActorPool.Telemetry;

/// <summary>
/// The pool's instruments on the <c>ActorPool</c> meter. Counters are updated by the supervisor and workers;
/// gauges read a snapshot that the supervisor publishes, so a metrics scrape never touches actor state.
/// </summary>
public sealed class PoolMetrics : IDisposable
{
    /// <summary>The meter name every pool publishes under.</summary>
    public const string MeterName = "ActorPool";

    private static readonly string[] s_kindNames = [.. Enum.GetValues<FailureKind>().Select(ToSnake)];
    private static readonly string[] s_reasonNames = [.. Enum.GetValues<RetirementReason>().Select(ToSnake)];

    private readonly Meter _meter;
    private readonly Counter<long> _tasks;
    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _run;
    private readonly Counter<long> _retirements;
    private readonly Counter<long> _abandoned;
    private readonly KeyValuePair<string, object?> _poolTag;
    private volatile PoolGaugeSnapshot _snapshot = new(0, 0, 0, 0, 0, 0, false);

    /// <summary>Creates the instruments for the pool named <paramref name="pool"/>.</summary>
    /// <param name="pool">The pool name, used as the <c>pool</c> tag.</param>
    /// <param name="meterFactory">The DI meter factory, or null for a standalone meter.</param>
    public PoolMetrics(string pool, IMeterFactory? meterFactory = null)
    {
        _poolTag = new KeyValuePair<string, object?>("pool", pool);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _tasks = _meter.CreateCounter<long>("actorpool.tasks", "{task}", "Tasks answered, by outcome.");
        _wait = _meter.CreateHistogram<double>("actorpool.task.wait", "ms", "Time tasks waited in the queue before a worker started them.");
        _run = _meter.CreateHistogram<double>("actorpool.task.run", "ms", "Time from a worker starting a task to its answer.");
        _retirements = _meter.CreateCounter<long>("actorpool.worker.retirements", "{worker}", "Workers retired, by reason.");
        _abandoned = _meter.CreateCounter<long>("actorpool.engine.abandoned", "{engine}", "Engine threads that did not come back after a cancel.");
        _meter.CreateObservableGauge("actorpool.queue.length", () => new Measurement<int>(_snapshot.QueueLength, _poolTag), "{task}", "Tasks waiting for a worker.");
        _meter.CreateObservableGauge("actorpool.workers", ObserveWorkers, "{worker}", "Workers by state.");
        _meter.CreateObservableGauge("actorpool.latched", () => new Measurement<int>(_snapshot.Latched ? 1 : 0, _poolTag), null, "1 while the pool is latched unavailable.");
    }

    /// <summary>Records a task's answer.</summary>
    public void TaskAnswered(FailureKind? failure)
    {
        var outcome = failure is { } kind ? s_kindNames[(int)kind] : "succeeded";
        _tasks.Add(1, _poolTag, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>Records how long a task waited in the queue.</summary>
    public void TaskWaited(TimeSpan wait) => _wait.Record(wait.TotalMilliseconds, _poolTag);

    /// <summary>Records how long a task ran.</summary>
    public void TaskRan(TimeSpan run) => _run.Record(run.TotalMilliseconds, _poolTag);

    /// <summary>Records a retirement.</summary>
    public void WorkerRetired(RetirementReason reason) =>
        _retirements.Add(1, _poolTag, new KeyValuePair<string, object?>("reason", s_reasonNames[(int)reason]));

    /// <summary>Records an abandoned engine thread.</summary>
    public void EngineAbandoned() => _abandoned.Add(1, _poolTag);

    /// <summary>Publishes the supervisor's current state for the gauges.</summary>
    internal void Publish(PoolGaugeSnapshot snapshot) => _snapshot = snapshot;

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    /// <summary>The snake_case name used for a failure kind in metrics and HTTP bodies.</summary>
    public static string Snake(FailureKind kind) => s_kindNames[(int)kind];

    /// <summary>The snake_case name used for a retirement reason.</summary>
    public static string Snake(RetirementReason reason) => s_reasonNames[(int)reason];

    private static string ToSnake<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    private IEnumerable<Measurement<int>> ObserveWorkers()
    {
        var s = _snapshot;
        yield return new Measurement<int>(s.Idle, _poolTag, new("state", "idle"));
        yield return new Measurement<int>(s.Busy, _poolTag, new("state", "busy"));
        yield return new Measurement<int>(s.Starting, _poolTag, new("state", "starting"));
        yield return new Measurement<int>(s.Retiring, _poolTag, new("state", "retiring"));
        yield return new Measurement<int>(s.Recovering, _poolTag, new("state", "recovering"));
    }
}

/// <summary>The supervisor's state as the gauges show it.</summary>
internal sealed record PoolGaugeSnapshot(int Target, int Idle, int Busy, int Starting, int Retiring, int QueueLength, bool Latched)
{
    /// <summary>Workers whose engine was cut off and has not come back yet (their replacement serves meanwhile).</summary>
    public int Recovering { get; init; }
}
