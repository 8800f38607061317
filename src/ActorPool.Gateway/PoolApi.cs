using System.Text.Json.Serialization;
using ActorPool.Protocol;
using ActorPool.Telemetry;

namespace ActorPool.Gateway;

/// <summary><c>GET /v1/pool</c>: the pool's state as JSON.</summary>
internal static class PoolApi
{
    public static RouteGroupBuilder MapPoolApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/pool").WithTags("Pool");
        group.MapGet("/", async (IScriptPool pool, CancellationToken cancellationToken) => Results.Json(PoolState.From(await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false))))
            .WithSummary("Workers, queue, tasks by outcome, retirements by reason.")
            .Produces<PoolState>();
        return group;
    }

    /// <summary>The JSON view of <see cref="PoolStats"/>.</summary>
    internal sealed record PoolState(
        [property: JsonPropertyName("workers")] WorkerCounts Workers,
        [property: JsonPropertyName("queue")] QueueState Queue,
        [property: JsonPropertyName("tasks")] IReadOnlyDictionary<string, long> Tasks,
        [property: JsonPropertyName("retirements")] IReadOnlyDictionary<string, long> Retirements,
        [property: JsonPropertyName("abandoned_engines")] long AbandonedEngines,
        [property: JsonPropertyName("latched")] bool Latched,
        [property: JsonPropertyName("draining")] bool Draining)
    {
        public static PoolState From(PoolStats stats)
        {
            var tasks = new SortedDictionary<string, long>(StringComparer.Ordinal) { ["succeeded"] = stats.Succeeded };
            foreach (var (kind, count) in stats.Failures)
            {
                tasks[PoolMetrics.Snake(kind)] = count;
            }

            var retirements = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var (reason, count) in stats.Retirements)
            {
                retirements[PoolMetrics.Snake(reason)] = count;
            }

            return new PoolState(
                new WorkerCounts(stats.TargetWorkers, stats.IdleWorkers, stats.BusyWorkers, stats.StartingWorkers),
                new QueueState(stats.QueueLength, stats.MaxQueueLength),
                tasks,
                retirements,
                stats.AbandonedEngines,
                stats.Latched,
                stats.Draining);
        }
    }

    internal sealed record WorkerCounts(
        [property: JsonPropertyName("target")] int Target,
        [property: JsonPropertyName("idle")] int Idle,
        [property: JsonPropertyName("busy")] int Busy,
        [property: JsonPropertyName("starting")] int Starting);

    internal sealed record QueueState(
        [property: JsonPropertyName("length")] int Length,
        [property: JsonPropertyName("max")] int Max);
}
