using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
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
/// into a ring of the last <see cref="Capacity"/> samples, for the charts of the home page.
/// </summary>
/// <remarks>
/// Task rates come from <see cref="PoolStats"/> totals; latencies from the <c>ActorPool</c> meter's
/// <c>actorpool.task.run</c> and <c>actorpool.task.wait</c> histograms, filtered by the pool tag (pools of the same
/// name in one process are one series). The wait and run of one task are separate measurements, so the charts show
/// them separately rather than guess their sum.
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
    private long _lastTimestamp;

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
        var answered = stats.Succeeded + stats.Failures.Values.Sum();
        var now = _time.GetTimestamp();
        List<double> run, wait;
        lock (_gate)
        {
            (run, _run) = (_run, []);
            (wait, _wait) = (_wait, []);
        }

        double? rate = null;
        if (_lastAnswered is { } last)
        {
            var seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            rate = seconds > 0 ? Math.Max(0, answered - last) / seconds : 0;
        }

        _lastAnswered = answered;
        _lastTimestamp = now;
        var sample = new DashboardSample(
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            rate is { } r ? Math.Round(r, 2) : null,
            Percentile(run, 0.50),
            Percentile(run, 0.99),
            Percentile(wait, 0.99),
            stats.QueueLength,
            stats.BusyWorkers);
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
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
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

/// <summary>One second of the pool, as charted.</summary>
internal sealed record DashboardSample(
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("tasks_per_s")] double? TasksPerSecond,
    [property: JsonPropertyName("p50_ms")] double? RunP50Ms,
    [property: JsonPropertyName("p99_ms")] double? RunP99Ms,
    [property: JsonPropertyName("wait_p99_ms")] double? WaitP99Ms,
    [property: JsonPropertyName("queue")] int Queue,
    [property: JsonPropertyName("busy")] int Busy);

/// <summary><c>GET /dashboard.json</c>: everything the home page shows, polled by the page every second.</summary>
internal static class DashboardApi
{
    public const string Path = "/dashboard.json";

    public static IEndpointConventionBuilder MapDashboardApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet(Path, async (HttpContext context, IScriptPool pool, DashboardSampler sampler, DashboardOptions options, CancellationToken cancellationToken) =>
        {
            var stats = PoolApi.PoolState.From(await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false));
            var youtube = options.ShowYouTube ? context.RequestServices.GetService<YouTubeSolverService>() : null;
            var timings = context.RequestServices.GetService<YtCipherMetrics>()?.Timings;
            IReadOnlyList<PoolEngine>? pools = null;
            if (context.RequestServices.GetService<GatewayPools>() is { } gatewayPools)
            {
                // Each pool with the engine it reports (Jint when V8 was asked for and could not load).
                pools = [.. (await PoolApi.EnginesAsync(gatewayPools, context.RequestServices, cancellationToken).ConfigureAwait(false)).Select(p => new PoolEngine(p.Pool, p.Engine))];
            }

            return Results.Json(Build(stats, sampler.Samples(), options, youtube, timings, pools));
        }).ExcludeFromDescription();

    /// <summary>The players the service knows, with the gateway's timings of their requests.</summary>
    internal static IReadOnlyList<PlayerRow> Players(YouTubeSolverService youtube, IReadOnlyDictionary<string, PlayerTiming>? timings) =>
        [.. youtube.Players().Select(p =>
        {
            var timing = timings?.GetValueOrDefault(p.CacheKey);
            return new PlayerRow(p.CacheKey, p.State, p.Sts, p.Detail, timing?.Requests ?? 0, timing?.ColdMs, timing?.LastMs);
        })];

    internal static DashboardState Build(
        PoolApi.PoolState pool,
        IReadOnlyList<DashboardSample> samples,
        DashboardOptions options,
        YouTubeSolverService? youtube,
        IReadOnlyDictionary<string, PlayerTiming>? timings,
        IReadOnlyList<PoolEngine>? pools = null)
    {
        // The pool reports workers by state, not one row per worker; one row per state is what it can say.
        var rows = new List<WorkerRow>
        {
            new("idle", pool.Workers.Idle, pool.Engine),
            new("busy", pool.Workers.Busy, pool.Engine),
            new("starting", pool.Workers.Starting, pool.Engine),
        };
        IReadOnlyList<PlayerRow>? players = null;
        YouTubeSummary? youtubeStats = null;
        if (youtube is not null)
        {
            var stats = youtube.Stats();
            youtubeStats = new YouTubeSummary(stats.UpstreamFetches, stats.DiskHits, stats.Extractions, stats.PreprocessedEntries, stats.SolverEntries, stats.StsEntries);
            players = Players(youtube, timings);
        }

        return new DashboardState(
            DashboardSampler.Interval.TotalMilliseconds,
            samples,
            pool,
            pools ?? [new PoolEngine(options.PoolName, pool.Engine)],
            new WorkerTable(PerWorker: false, options.TaskBudget, rows),
            youtubeStats,
            players);
    }
}

/// <summary>The JSON of <c>GET /dashboard.json</c>.</summary>
internal sealed record DashboardState(
    [property: JsonPropertyName("interval_ms")] double IntervalMs,
    [property: JsonPropertyName("samples")] IReadOnlyList<DashboardSample> Samples,
    [property: JsonPropertyName("pool")] PoolApi.PoolState Pool,
    [property: JsonPropertyName("pools")] IReadOnlyList<PoolEngine> Pools,
    [property: JsonPropertyName("workers")] WorkerTable Workers,
    [property: JsonPropertyName("youtube")] YouTubeSummary? YouTube,
    [property: JsonPropertyName("players")] IReadOnlyList<PlayerRow>? Players);

/// <summary>Which engine serves which pool (one row per pool the process serves).</summary>
internal sealed record PoolEngine(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("engine")] string Engine);

/// <summary>Worker rows; <c>per_worker</c> is false while the pool reports counts by state only.</summary>
internal sealed record WorkerTable(
    [property: JsonPropertyName("per_worker")] bool PerWorker,
    [property: JsonPropertyName("task_budget")] int TaskBudget,
    [property: JsonPropertyName("rows")] IReadOnlyList<WorkerRow> Rows);

/// <summary>Workers in one state.</summary>
internal sealed record WorkerRow(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("engine")] string Engine);

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
