using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ActorPool.Cluster;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Telemetry;

namespace ActorPool.Gateway;

/// <summary>
/// <c>GET /v1/pool</c>: the pool's state as JSON; <c>GET /v1/scripts</c> and <c>/v1/scripts/{module}</c>: the
/// modules the script pool serves, with their functions and versions.
/// </summary>
internal static class PoolApi
{
    public static RouteGroupBuilder MapPoolApi(this IEndpointRouteBuilder routes)
    {
        var scripts = routes.MapGroup("/v1/scripts").WithTags("Scripts");
        scripts.MapGet("/", (ScriptCatalog catalog) => Results.Json(new ModuleList(catalog.List())))
            .WithSummary("The modules the script pool serves, each with its exported functions and version (content hash).")
            .Produces<ModuleList>();
        scripts.MapGet("/{module}", (string module, ScriptCatalog catalog) => catalog.Describe(module) is { } info
                ? Results.Json(info)
                : ApiError.Result(StatusCodes.Status404NotFound, "module_not_found", $"module '{module}' was not found; GET /v1/scripts lists the modules"))
            .WithSummary("One module of the script pool: its exported functions and version (content hash).")
            .Produces<ModuleInfo>()
            .Produces<ApiError>(StatusCodes.Status404NotFound);

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

/// <summary>
/// The modules of the gateway's scripts directory (<c>SCRIPTS_DIR</c>) as <c>/v1/scripts</c> lists them. Each module
/// is read and parsed once per version (its own catalog: the pool's engines never wait on it).
/// </summary>
/// <remarks>On a cluster gateway this is the gateway's own directory; worker nodes are expected to serve the same one.</remarks>
internal sealed class ScriptCatalog(DirectoryModuleSource source)
{
    private readonly ModuleCatalog _catalog = new(source);

    /// <summary>The directory it reads.</summary>
    public string Directory => source.Directory;

    /// <summary>Every module of the directory now, by name.</summary>
    public IReadOnlyList<ModuleInfo> List() => [.. source.List().Select(Describe).OfType<ModuleInfo>()];

    /// <summary>One module, or null when the directory has no module of that name.</summary>
    public ModuleInfo? Describe(string name)
    {
        PreparedModule module;
        try
        {
            module = _catalog.Get(name);
        }
        catch (ModuleLoadException)
        {
            return null;
        }

        var version = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(module.Code)));
        try
        {
            var names = module.ExportNames;
            return new ModuleInfo(module.Name, version, names is null ? [] : [.. names.Order(StringComparer.Ordinal)], names is null ? "its exports are known only when it runs (export * or destructuring)" : null);
        }
        catch (ModuleLoadException ex)
        {
            return new ModuleInfo(module.Name, version, [], ex.Message);
        }
    }
}

/// <summary>The answer of <c>GET /v1/scripts</c>.</summary>
internal sealed record ModuleList([property: JsonPropertyName("modules")] IReadOnlyList<ModuleInfo> Modules);

/// <summary>One module: its name, the version of its code and the functions it exports.</summary>
/// <param name="Name">The module name (call it as <c>POST /v1/scripts/{name}/{function}</c>).</param>
/// <param name="Version">The SHA-256 of its code, <c>sha256:&lt;hex&gt;</c>.</param>
/// <param name="Functions">Its export names, in ordinal order.</param>
/// <param name="Error">Why its exports cannot be listed (it does not parse), else absent.</param>
internal sealed record ModuleInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("functions")] IReadOnlyList<string> Functions,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
