using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using ActorPool.Cluster;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Telemetry;
using ActorPool.YouTube.Service;

namespace ActorPool.Gateway;

/// <summary>What the dashboard says about the pool that it cannot read from <see cref="PoolStats"/>.</summary>
/// <param name="PoolName">The pool's name (the <c>pool</c> tag of the <c>ActorPool</c> meter).</param>
/// <param name="TaskBudget">Tasks a worker runs before it is replaced (0 when unknown, e.g. on a cluster gateway).</param>
/// <param name="ShowYouTube">Whether this process serves the yt-cipher endpoints (standalone only).</param>
internal sealed record DashboardOptions(string PoolName, int TaskBudget, bool ShowYouTube);

/// <summary>
/// Takes one sample per second of the pool (tasks answered per second, run-time p50/p99, wait p99, queue length)
/// into a ring of the last <see cref="Capacity"/> samples, for the charts of the home page, while someone watches:
/// from a <c>/dashboard.json</c> request (<see cref="Watch"/>) until <see cref="WatchWindow"/> passes without one.
/// </summary>
/// <remarks>
/// <para>An unwatched gateway asks its pools for nothing (on a cluster gateway each stats query is a round of messages
/// to every worker node) and records no latencies; when the watch lapses the history is dropped, so the charts of a
/// dashboard opened later start from that moment.</para>
/// <para>Task rates come from <see cref="PoolStats"/> totals; latencies from the <c>ActorPool</c> meter's
/// <c>actorpool.task.run</c> and <c>actorpool.task.wait</c> histograms, filtered by the pool tag (pools of the same
/// name in one process are one series). The wait and run of one task are separate measurements, so the charts show
/// them separately rather than guess their sum.</para>
/// </remarks>
internal sealed class DashboardSampler : BackgroundService
{
    /// <summary>Five minutes of one-second samples.</summary>
    public const int Capacity = 300;

    /// <summary>Measurements kept per second and histogram; more in one second are counted but not kept.</summary>
    private const int MaxMeasurementsPerSample = 20_000;

    private readonly Func<CancellationToken, Task<PoolStats>> _stats;
    private readonly DashboardOptions _options;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener;
    private readonly Lock _gate = new();
    private readonly DashboardSample[] _ring = new DashboardSample[Capacity];
    private List<double> _run = [];
    private List<double> _wait = [];
    private int _next;
    private int _count;
    private long? _lastAnswered;
    private long _lastFailed;
    private long _lastTimestamp;
    private long _watchedAt;
    private bool _everWatched;
    private volatile bool _collecting;

    /// <param name="stats">Reads the pool's stats (<see cref="IScriptPool.GetStatsAsync"/>).</param>
    /// <param name="options">Pool name (to filter the meter), engine, budget.</param>
    /// <param name="time">The clock.</param>
    public DashboardSampler(Func<CancellationToken, Task<PoolStats>> stats, DashboardOptions options, TimeProvider time)
    {
        _stats = stats;
        _options = options;
        _time = time;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PoolMetrics.MeterName && instrument.Name is "actorpool.task.run" or "actorpool.task.wait")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>One second between samples.</summary>
    public static TimeSpan Interval => TimeSpan.FromSeconds(1);

    /// <summary>How long after the last <see cref="Watch"/> the sampler keeps sampling (the page asks every second).</summary>
    public static TimeSpan WatchWindow => TimeSpan.FromSeconds(30);

    /// <summary>Whether someone asked for the dashboard within <see cref="WatchWindow"/>.</summary>
    public bool IsWatched
    {
        get
        {
            lock (_gate)
            {
                return _everWatched && _time.GetElapsedTime(_watchedAt) <= WatchWindow;
            }
        }
    }

    /// <summary>Someone is looking at the dashboard (each <c>/dashboard.json</c> request): sample for the next <see cref="WatchWindow"/>.</summary>
    public void Watch()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _watchedAt = now;
            _everWatched = true;
        }

        _collecting = true;
    }

    /// <summary>
    /// One tick of the timer (every <see cref="Interval"/>; tests call it directly): a sample while watched; otherwise
    /// no stats query, and the history and latencies of a lapsed watch are dropped. True when it sampled.
    /// </summary>
    public async Task<bool> TickAsync(CancellationToken cancellationToken)
    {
        if (!IsWatched)
        {
            Forget();
            return false;
        }

        _collecting = true;
        await SampleAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private void Forget()
    {
        _collecting = false;
        lock (_gate)
        {
            if (_count == 0 && _lastAnswered is null)
            {
                return;
            }

            Array.Clear(_ring);
            (_next, _count) = (0, 0);
            (_run, _wait) = ([], []);
            _lastAnswered = null;
        }
    }

    /// <summary>The samples, oldest first.</summary>
    public IReadOnlyList<DashboardSample> Samples()
    {
        lock (_gate)
        {
            var list = new List<DashboardSample>(_count);
            for (var i = 0; i < _count; i++)
            {
                list.Add(_ring[(_next - _count + i + Capacity) % Capacity]);
            }

            return list;
        }
    }

    /// <summary>Takes one sample now (the timer calls this every <see cref="Interval"/>; tests call it directly).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var stats = await _stats(cancellationToken).ConfigureAwait(false);
        var failed = stats.Failures.Values.Sum();
        var answered = stats.Succeeded + failed;
        var now = _time.GetTimestamp();
        List<double> run, wait;
        double? rate = null, failedRate = null;
        lock (_gate)
        {
            (run, _run) = (_run, []);
            (wait, _wait) = (_wait, []);
            if (_lastAnswered is { } last)
            {
                var seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
                rate = seconds > 0 ? Math.Max(0, answered - last) / seconds : 0;
                failedRate = seconds > 0 ? Math.Max(0, failed - _lastFailed) / seconds : 0;
            }

            _lastAnswered = answered;
            _lastFailed = failed;
            _lastTimestamp = now;
        }
        var sample = new DashboardSample(
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            rate is { } r ? Math.Round(r, 2) : null,
            Percentile(run, 0.50),
            Percentile(run, 0.99),
            Percentile(wait, 0.99),
            stats.QueueLength,
            stats.BusyWorkers)
        {
            FailedPerSecond = failedRate is { } f ? Math.Round(f, 2) : null,
        };
        lock (_gate)
        {
            _ring[_next] = sample;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }

    /// <summary>The nearest-rank percentile in milliseconds, or <see langword="null"/> with no measurements.</summary>
    internal static double? Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var rank = (int)Math.Ceiling(p * values.Count);
        return Math.Round(values[Math.Clamp(rank - 1, 0, values.Count - 1)], 3);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            // The first sample one interval after start: the pool (or a cluster gateway's router) is up by then.
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await TickAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (ScriptPoolException)
                {
                    // The pool is not answering stats right now (starting, shutting down): this second has no sample.
                }
                catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException)
                {
                    // As above, for a pool on another node.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (!_collecting)
        {
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == "pool" && !string.Equals(tag.Value as string, _options.PoolName, StringComparison.Ordinal))
            {
                return;
            }
        }

        lock (_gate)
        {
            var list = instrument.Name == "actorpool.task.run" ? _run : _wait;
            if (list.Count < MaxMeasurementsPerSample)
            {
                list.Add(value);
            }
        }
    }
}


/// <summary>One second of a pool, as charted.</summary>
internal sealed record DashboardSample(
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("tasks_per_s")] double? TasksPerSecond,
    [property: JsonPropertyName("p50_ms")] double? RunP50Ms,
    [property: JsonPropertyName("p99_ms")] double? RunP99Ms,
    [property: JsonPropertyName("wait_p99_ms")] double? WaitP99Ms,
    [property: JsonPropertyName("queue")] int Queue,
    [property: JsonPropertyName("busy")] int Busy)
{
    /// <summary>Of <see cref="TasksPerSecond"/>, the tasks answered with a failure.</summary>
    [JsonPropertyName("failed_per_s")]
    public double? FailedPerSecond { get; init; }
}

/// <summary>The dashboard's pieces per pool: its sampler (charts) by pool name.</summary>
internal sealed record DashboardSamplers(IReadOnlyDictionary<string, DashboardSampler> ByPool);

/// <summary>Wires the dashboard: samplers for both pools, the failure ring, the module catalog.</summary>
internal static class GatewayDashboard
{
    /// <summary>
    /// Registers what <c>/</c>, <c>/dashboard.json</c> and <c>/v1/scripts</c> need. Call after the pools' facades are
    /// registered: the failure ring wraps them (<see cref="RecentFailures"/>).
    /// </summary>
    public static void Add(IServiceCollection services, string scriptsPool, int taskBudget, DirectoryModuleSource modules)
    {
        services.AddSingleton(new ScriptCatalog(modules));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new DashboardOptions(scriptsPool, taskBudget, ShowYouTube: true));
        var failures = new RecentFailures(TimeProvider.System);
        services.AddSingleton(failures);
        RecentFailures.Observe(services, null, scriptsPool, failures);
        RecentFailures.Observe(services, SolverPool.Name, SolverPool.Name, failures);

        // One sample of each pool per second (Dashboard.cs); the solver pool's budget is the generic pool's.
        services.AddSingleton(sp => new DashboardSampler(ct => sp.GetRequiredService<IScriptPool>().GetStatsAsync(ct), sp.GetRequiredService<DashboardOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton(SolverPool.Name, (sp, _) => new DashboardSampler(ct => SolverPool.Of(sp).GetStatsAsync(ct), new DashboardOptions(SolverPool.Name, taskBudget, false), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<DashboardSampler>());
        services.AddHostedService(sp => sp.GetRequiredKeyedService<DashboardSampler>(SolverPool.Name));
        services.AddSingleton(sp => new DashboardSamplers(new Dictionary<string, DashboardSampler>(StringComparer.Ordinal)
        {
            [scriptsPool] = sp.GetRequiredService<DashboardSampler>(),
            [SolverPool.Name] = sp.GetRequiredKeyedService<DashboardSampler>(SolverPool.Name),
        }));
    }
}

/// <summary><c>GET /dashboard.json</c>: everything the home page shows, polled by the page every second.</summary>
internal static class DashboardApi
{
    public const string Path = "/dashboard.json";

    public static IEndpointConventionBuilder MapDashboardApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet(Path, async (HttpContext context, GatewayPools gatewayPools, DashboardSamplers samplers, RecentFailures failures, DashboardOptions options, GatewaySettings settings, CancellationToken cancellationToken) =>
        {
            // Someone is looking: the samplers chart the next WatchWindow (they query nothing while nobody does).
            foreach (var sampler in samplers.ByPool.Values)
            {
                sampler.Watch();
            }

            var services = context.RequestServices;
            var youtube = options.ShowYouTube ? services.GetService<YouTubeSolverService>() : null;
            var timings = services.GetService<YtCipherMetrics>()?.Timings;
            var pools = new List<PoolPanel>(gatewayPools.Pools.Count);
            IReadOnlyList<MemberRow>? members = null;
            foreach (var pool in gatewayPools.Pools)
            {
                var (stats, error) = await TryAsync(() => pool.Pool(services).GetStatsAsync(cancellationToken)).ConfigureAwait(false);
                ClusterPoolState? cluster = null;
                if (pool.Router(services) is { } router)
                {
                    (cluster, var clusterError) = await TryAsync(() => router.GetClusterStateAsync(cancellationToken)).ConfigureAwait(false);
                    error ??= clusterError;
                    members ??= cluster is null ? null : [.. cluster.Members.Select(MemberRow.From)];
                }

                var samples = samplers.ByPool.TryGetValue(pool.Name, out var sampler) ? sampler.Samples() : [];
                pools.Add(Panel(pool, stats, cluster, samples, failures.Of(pool.Name), options.TaskBudget, error));
            }

            return Results.Json(new DashboardState(
                DashboardSampler.Interval.TotalMilliseconds,
                settings.ApiToken is not null,
                pools,
                members,
                youtube is null ? null : YouTube(youtube),
                youtube is null ? null : Players(youtube, timings)));
        }).ExcludeFromDescription();

    /// <summary>One pool's panel: its totals, each worker (on a cluster gateway: of each worker node), charts, failures.</summary>
    internal static PoolPanel Panel(GatewayPool pool, PoolStats? stats, ClusterPoolState? cluster, IReadOnlyList<DashboardSample> samples, IReadOnlyList<FailureRow> failures, int taskBudget, string? error)
    {
        IReadOnlyList<WorkerRow> workers;
        IReadOnlyList<NodeRow>? nodes = null;
        if (cluster is null)
        {
            workers = stats is null ? [] : [.. stats.Workers.Select(w => WorkerRow.From(null, w))];
        }
        else
        {
            var workerNodes = cluster.Members.Where(m => m.Pool is not null).ToList();
            workers = [.. workerNodes.SelectMany(m => m.Pool!.Workers.Select(w => WorkerRow.From(m.Address, w)))];
            nodes = [.. workerNodes.Select(NodeRow.From)];
        }

        return new PoolPanel(
            pool.Name,
            pool.Serves,
            stats?.EngineKind ?? pool.RequestedEngine,
            pool.RequestedEngine,
            stats is null ? null : PoolApi.PoolState.From(stats),
            taskBudget,
            workers,
            nodes,
            samples,
            failures,
            error);
    }

    private static async Task<(T? Value, string? Error)> TryAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return (await read().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is ScriptPoolException or TimeoutException or Akka.Actor.AskTimeoutException or InvalidOperationException)
        {
            // A pool that does not answer right now (starting, no worker node yet, shutting down) shows as such.
            return (null, ex.Message);
        }
    }

    private static YouTubeSummary YouTube(YouTubeSolverService youtube)
    {
        var stats = youtube.Stats();
        return new YouTubeSummary(stats.UpstreamFetches, stats.DiskHits, stats.Extractions, stats.PreprocessedEntries, stats.SolverEntries, stats.StsEntries);
    }

    /// <summary>The players the service knows, with the gateway's timings of their requests.</summary>
    internal static IReadOnlyList<PlayerRow> Players(YouTubeSolverService youtube, IReadOnlyDictionary<string, PlayerTiming>? timings) =>
        [.. youtube.Players().Select(p =>
        {
            var timing = timings?.GetValueOrDefault(p.CacheKey);
            return new PlayerRow(p.CacheKey, p.State, p.Sts, p.Detail, timing?.Requests ?? 0, timing?.ColdMs, timing?.LastMs);
        })];
}

/// <summary>The JSON of <c>GET /dashboard.json</c>.</summary>
internal sealed record DashboardState(
    [property: JsonPropertyName("interval_ms")] double IntervalMs,
    [property: JsonPropertyName("token_required")] bool TokenRequired,
    [property: JsonPropertyName("pools")] IReadOnlyList<PoolPanel> Pools,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberRow>? Members,
    [property: JsonPropertyName("youtube")] YouTubeSummary? YouTube,
    [property: JsonPropertyName("players")] IReadOnlyList<PlayerRow>? Players);

/// <summary>One pool as the dashboard shows it.</summary>
internal sealed record PoolPanel(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("serves")] string Serves,
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("requested")] string Requested,
    [property: JsonPropertyName("state")] PoolApi.PoolState? State,
    [property: JsonPropertyName("task_budget")] int TaskBudget,
    [property: JsonPropertyName("workers")] IReadOnlyList<WorkerRow> Workers,
    [property: JsonPropertyName("nodes")] IReadOnlyList<NodeRow>? Nodes,
    [property: JsonPropertyName("samples")] IReadOnlyList<DashboardSample> Samples,
    [property: JsonPropertyName("failures")] IReadOnlyList<FailureRow> Failures,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>One worker: state, engine, tasks run of its budget, the task it runs now, its age.</summary>
internal sealed record WorkerRow(
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("tasks_run")] int TasksRun,
    [property: JsonPropertyName("budget")] int Budget,
    [property: JsonPropertyName("task")] string? Task,
    [property: JsonPropertyName("running_ms")] double? RunningMs,
    [property: JsonPropertyName("age_s")] double AgeSeconds)
{
    public static WorkerRow From(string? node, WorkerInfo worker) => new(
        node,
        worker.Name,
        worker.State.ToString().ToLowerInvariant(),
        worker.Engine,
        worker.TasksRun,
        worker.Budget,
        worker.Module is null ? null : worker.Module + "." + worker.Function,
        worker.RunningFor is { } running ? Math.Round(running.TotalMilliseconds, 1) : null,
        Math.Round(worker.Age.TotalSeconds, 1));
}

/// <summary>A member of the cluster (cluster gateways only).</summary>
internal sealed record MemberRow(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reachable")] bool Reachable)
{
    public static MemberRow From(ClusterMemberState member) => new(member.Address, member.Roles, member.Status.ToLowerInvariant(), member.Reachable);
}

/// <summary>One worker node's share of a pool (cluster gateways only).</summary>
internal sealed record NodeRow(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("routable")] bool Routable,
    [property: JsonPropertyName("engine")] string Engine,
    [property: JsonPropertyName("workers")] PoolApi.WorkerCounts Workers,
    [property: JsonPropertyName("queue")] PoolApi.QueueState Queue,
    [property: JsonPropertyName("in_flight")] int InFlight,
    [property: JsonPropertyName("served")] long Served,
    [property: JsonPropertyName("succeeded")] long Succeeded,
    [property: JsonPropertyName("failed")] long Failed)
{
    public static NodeRow From(ClusterMemberState member)
    {
        var p = member.Pool!;
        return new NodeRow(
            member.Address,
            member.Routable,
            p.EngineKind,
            new PoolApi.WorkerCounts(p.TargetWorkers, p.IdleWorkers, p.BusyWorkers, p.StartingWorkers),
            new PoolApi.QueueState(p.QueueLength, p.MaxQueueLength),
            member.InFlight,
            member.Served,
            p.Succeeded,
            p.Failures.Values.Sum());
    }
}

/// <summary>The signature service's counters and cache sizes.</summary>
internal sealed record YouTubeSummary(
    [property: JsonPropertyName("downloads")] long Downloads,
    [property: JsonPropertyName("disk_hits")] long DiskHits,
    [property: JsonPropertyName("extractions")] long Extractions,
    [property: JsonPropertyName("preprocessed")] int Preprocessed,
    [property: JsonPropertyName("solvers")] int Solvers,
    [property: JsonPropertyName("sts")] int Sts);

/// <summary>A player known to the signature service, with the gateway's request timings.</summary>
internal sealed record PlayerRow(
    [property: JsonPropertyName("player")] string Player,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("sts")] string? Sts,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("cold_ms")] double? ColdMs,
    [property: JsonPropertyName("last_ms")] double? LastMs);
