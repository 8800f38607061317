using ActorPool.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ActorPool.Hosting;

/// <summary>
/// OpenTelemetry registration of ActorPool's telemetry: the <c>ActorPool</c> activity source (spans
/// <c>actorpool.run</c> and <c>actorpool.task</c>) and the <c>ActorPool</c> meter (<see cref="PoolMetrics"/>).
/// </summary>
public static class ActorPoolInstrumentationExtensions
{
    /// <summary>Subscribes the tracer provider to ActorPool's spans (the <c>ActorPool</c> activity source).</summary>
    /// <param name="builder">The tracer provider being built.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TracerProviderBuilder AddActorPoolInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(PoolTelemetry.ActivitySourceName);
    }

    /// <summary>Subscribes the meter provider to ActorPool's instruments (the <c>ActorPool</c> meter).</summary>
    /// <param name="builder">The meter provider being built.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static MeterProviderBuilder AddActorPoolInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(PoolTelemetry.MeterName);
    }
}
