using System.Text.Json.Serialization;
using ActorPool.Cluster;
using ActorPool.Engines;
using ActorPool.Protocol;
using ActorPool.Telemetry;

namespace ActorPool.Gateway;

/// <summary><c>GET /v1/pool</c>: the pool's state as JSON.</summary>
internal static class PoolApi
{
    public static RouteGroupBuilder MapPoolApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/pool").WithTags("Pool");
        group.MapGet("/", async (GatewayPools pools, IServiceProvider services, CancellationToken cancellationToken) =>
            {
                // The top level is the generic pool, as before there were two; `engines` lists every pool.
                var engines = await EnginesAsync(pools, services, cancellationToken).ConfigureAwait(false);
                return Results.Json(engines[0].State! with { Engines = engines });
            })
            .WithSummary("Workers, queue, tasks by outcome, retirements by reason.")
            .Produces<PoolState>();
        return group;
    }

    /// <summary>Every pool of <paramref name="pools"/> with the engine that serves it and its state.</summary>
    internal static async Task<IReadOnlyList<PoolEngine>> EnginesAsync(GatewayPools pools, IServiceProvider services, CancellationToken cancellationToken)
    {
        var list = new List<PoolEngine>(pools.Pools.Count);
        foreach (var pool in pools.Pools)
        {
            var state = await StateAsync(pool.Pool(services), pool.Router(services), cancellationToken).ConfigureAwait(false);
            list.Add(new PoolEngine(pool.Name, [pool.Serves], state.Engine, pool.RequestedEngine) { State = state });
        }

        return list;
    }

    /// <summary>One pool's state; on a cluster gateway (<paramref name="router"/> set) with the members its router sees.</summary>
    private static async Task<PoolState> StateAsync(IScriptPool pool, IClusterScriptPool? router, CancellationToken cancellationToken)
    {
        var state = PoolState.From(await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false));
        if (router is not null)
        {
            // On a cluster gateway the totals add up every worker node; the members say who is who.
            var cluster = await router.GetClusterStateAsync(cancellationToken).ConfigureAwait(false);
            state = state with { Cluster = [.. cluster.Members.Select(ClusterMember.From)] };
        }

        return state;
    }

    /// <summary>
    /// One pool, what it serves, the engine kind that serves it (Jint when V8 was asked for but could not load),
    /// the engine kind asked for, and its state (the shape of <c>/v1/pool</c>'s top level).
    /// </summary>
    internal sealed record PoolEngine(
        [property: JsonPropertyName("pool")] string Pool,
        [property: JsonPropertyName("serves")] IReadOnlyList<string> Serves,
        [property: JsonPropertyName("engine")] string Engine,
        [property: JsonPropertyName("requested")] string Requested)
    {
        [JsonPropertyName("state")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public PoolState? State { get; init; }
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
        /// <summary>The engine kind that serves the pool (<c>jint</c> or <c>v8</c>; <c>jint</c> when V8 was asked for but could not load).</summary>
        [JsonPropertyName("engine")]
        public string Engine { get; init; } = ScriptEngineKinds.Jint;

        /// <summary>The cluster's members, on a gateway node of a cluster; absent otherwise.</summary>
        [JsonPropertyName("cluster")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<ClusterMember>? Cluster { get; init; }

        [JsonPropertyName("engines")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<PoolEngine>? Engines { get; init; }

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
                stats.Draining)
            {
                Engine = stats.EngineKind,
            };
        }
    }

    internal sealed record ClusterMember(
        [property: JsonPropertyName("address")] string Address,
        [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("reachable")] bool Reachable,
        [property: JsonPropertyName("routable")] bool Routable,
        [property: JsonPropertyName("in_flight")] int InFlight,
        [property: JsonPropertyName("served")] long Served,
        [property: JsonPropertyName("workers")] WorkerCounts? Workers,
        [property: JsonPropertyName("queue")] QueueState? Queue)
    {
        public static ClusterMember From(ClusterMemberState member) => new(
            member.Address,
            member.Roles,
            member.Status.ToLowerInvariant(),
            member.Reachable,
            member.Routable,
            member.InFlight,
            member.Served,
            member.Pool is { } p ? new WorkerCounts(p.TargetWorkers, p.IdleWorkers, p.BusyWorkers, p.StartingWorkers) : null,
            member.Pool is { } q ? new QueueState(q.QueueLength, q.MaxQueueLength) : null);
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
