using System.Diagnostics;

namespace ActorPool.Telemetry;

/// <summary>
/// The names under which ActorPool publishes telemetry: the <c>ActorPool</c> meter (<see cref="PoolMetrics"/>) and
/// the <c>ActorPool</c> activity source. Spans: <c>actorpool.run</c> (client, one per facade call) and
/// <c>actorpool.task</c> (consumer, one per task a pool accepts, a child of the caller's context carried in
/// <see cref="Protocol.RunScript"/>). Activities are created only while someone listens to the source.
/// </summary>
public static class PoolTelemetry
{
    /// <summary>The name of the pool's <see cref="System.Diagnostics.ActivitySource"/> (and of its meter).</summary>
    public const string ActivitySourceName = "ActorPool";

    /// <summary>The name of the pool's meter; the same as <see cref="PoolMetrics.MeterName"/>.</summary>
    public const string MeterName = PoolMetrics.MeterName;

    /// <summary>The span of one call through a facade, on the caller's side.</summary>
    public const string RunSpanName = "actorpool.run";

    /// <summary>The span of one task in a pool, from acceptance to its answer.</summary>
    public const string TaskSpanName = "actorpool.task";

    /// <summary>The event on <see cref="TaskSpanName"/> when a worker starts the task (its wait ends, its run begins).</summary>
    public const string StartedEventName = "started";

    /// <summary>Attribute: <c>succeeded</c> or the snake_case failure kind (as in the <c>actorpool.tasks</c> metric).</summary>
    public const string OutcomeAttribute = "actorpool.outcome";

    /// <summary>Attribute: the snake_case failure kind of a failed task (absent on success).</summary>
    public const string FailureKindAttribute = "actorpool.failure.kind";

    /// <summary>Attribute: the module name.</summary>
    public const string ModuleAttribute = "actorpool.module";

    /// <summary>Attribute: the function name.</summary>
    public const string FunctionAttribute = "actorpool.function";

    /// <summary>Attribute: the task id.</summary>
    public const string TaskIdAttribute = "actorpool.task.id";

    /// <summary>Attribute on the <see cref="StartedEventName"/> event and the task span: milliseconds the task waited in the queue.</summary>
    public const string WaitAttribute = "actorpool.task.wait_ms";

    /// <summary>The source every ActorPool span is created on.</summary>
    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName, typeof(PoolTelemetry).Assembly.GetName().Version?.ToString());
}
