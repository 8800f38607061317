using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ActorPool.Tests.TestSupport;

/// <summary>
/// An OpenTelemetry tracer provider with the in-memory exporter that records one trace of its own: tests run in
/// parallel and listeners are process-wide, so spans of other traces are sampled out and filtered away.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly LockedList<Activity> _exported = new();
    private readonly TracerProvider _provider;

    public SpanRecorder(params string[] sources)
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sources)
            .SetSampler(new OneTrace(TraceId))
            .AddInMemoryExporter(_exported)
            .Build();
    }

    /// <summary>The trace this recorder keeps.</summary>
    public ActivityTraceId TraceId { get; } = ActivityTraceId.CreateRandom();

    /// <summary>The spans of <see cref="TraceId"/> ended so far.</summary>
    public IReadOnlyList<Activity> Spans => _exported.Snapshot().Where(a => a.TraceId == TraceId).ToList();

    /// <summary>The ended spans named <paramref name="name"/> whose <paramref name="tag"/> is <paramref name="value"/>.</summary>
    public Activity One(string name, string tag, string value) =>
        Assert.Single(Spans, a => a.OperationName == name && (a.GetTagItem(tag) as string) == value);

    /// <summary>
    /// Makes a caller's activity of this trace current (a plain <see cref="Activity"/>, as a host's own would be);
    /// dispose it to end it.
    /// </summary>
    public Activity StartParent()
    {
        var parent = new Activity("test-caller");
        parent.SetParentId(TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        return parent.Start();
    }

    public void Dispose() => _provider.Dispose();

    private sealed class OneTrace(ActivityTraceId traceId) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(samplingParameters.TraceId == traceId ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
    }
}
