using System.Collections.Concurrent;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>
/// Prometheus metrics of the yt-cipher endpoints. Labels are bounded: endpoint names, status codes, status
/// classes, cache names, and at most <see cref="MaxPlayerLabels"/> distinct player ids (later ones are <c>other</c>).
/// </summary>
internal sealed class YouTubeMetrics : IYouTubeServiceObserver
{
    public const int MaxPlayerLabels = 64;

    private static readonly Counter Requests = Metrics.CreateCounter(
        "actorpool_youtube_requests_total", "yt-cipher endpoint requests by endpoint and HTTP status.", "endpoint", "status");

    private static readonly Histogram Latency = Metrics.CreateHistogram(
        "actorpool_youtube_request_duration_seconds", "yt-cipher endpoint latency; cached = the solver or sts was ready before the request.",
        new HistogramConfiguration
        {
            LabelNames = ["endpoint", "cached"],
            Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    private static readonly Counter Fetches = Metrics.CreateCounter(
        "actorpool_youtube_player_fetches_total", "Player downloads by outcome: 2xx, 4xx, 5xx, timeout, too_large, error.", "status_class");

    private static readonly Gauge CacheEntries = Metrics.CreateGauge(
        "actorpool_youtube_cache_entries", "Entries per cache: preprocessed, solver, sts, disk.", "cache");

    private static readonly Counter SolverFailures = Metrics.CreateCounter(
        "actorpool_youtube_solver_failures_total", "Solver failures by player id (at most 64 ids, then 'other') and stage (extract, sig, n).", "player_id", "stage");

    private static readonly Counter FastPath = Metrics.CreateCounter(
        "actorpool_youtube_solver_work_total", "Solver work since start: tasks (pool tasks run), sig_reindexed (signatures answered without JavaScript), n_memo_hits (n answers from the memo).", "kind");

    private static readonly ConcurrentDictionary<(string Endpoint, int Status), Counter.Child> s_requests = new();
    private static readonly ConcurrentDictionary<string, Histogram.Child> s_latencyCached = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Histogram.Child> s_latencyUncached = new(StringComparer.Ordinal);
    private static readonly Gauge.Child s_preprocessedEntries = CacheEntries.WithLabels("preprocessed");
    private static readonly Gauge.Child s_solverEntries = CacheEntries.WithLabels("solver");
    private static readonly Gauge.Child s_stsEntries = CacheEntries.WithLabels("sts");
    private static readonly Gauge.Child s_signatureMapEntries = CacheEntries.WithLabels("signature_map");
    private static readonly Gauge.Child s_nEntries = CacheEntries.WithLabels("n");
    private static readonly Counter.Child s_tasks = FastPath.WithLabels("tasks");
    private static readonly Counter.Child s_sigReindexed = FastPath.WithLabels("sig_reindexed");
    private static readonly Counter.Child s_nMemoHits = FastPath.WithLabels("n_memo_hits");

    private readonly ConcurrentDictionary<string, byte> _playerLabels = new(StringComparer.Ordinal);

    public YouTubeSolverService? Service { get; set; }

    public void PlayerFetched(PlayerIdentity player, string statusClass)
    {
        Fetches.WithLabels(statusClass).Inc();
        if (statusClass == "2xx" && Service is { } service)
        {
            CacheEntries.WithLabels("disk").Set(service.DiskEntries() + 1);
        }
    }

    public void SolverFailed(PlayerIdentity player, string stage) => SolverFailures.WithLabels(PlayerLabel(player.Id), stage).Inc();

    public void Observe(string endpoint, int status, bool cached, TimeSpan elapsed)
    {
        // Labelled children are looked up once (WithLabels allocates its label array on every call).
        s_requests.GetOrAdd((endpoint, status), static key => Requests.WithLabels(key.Endpoint, key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))).Inc();
        (cached ? s_latencyCached : s_latencyUncached).GetOrAdd(endpoint, static (e, c) => Latency.WithLabels(e, c), cached ? "true" : "false").Observe(elapsed.TotalSeconds);
        if (Service is { } service)
        {
            var stats = service.Stats();
            s_preprocessedEntries.Set(stats.PreprocessedEntries);
            s_solverEntries.Set(stats.SolverEntries);
            s_stsEntries.Set(stats.StsEntries);
            s_signatureMapEntries.Set(stats.SignatureMapEntries);
            s_nEntries.Set(stats.NCacheEntries);
            s_tasks.IncTo(stats.SolverTasks);
            s_sigReindexed.IncTo(stats.SignaturesReindexed);
            s_nMemoHits.IncTo(stats.NCacheHits);
        }
    }

    public void Start(YouTubeSolverService service)
    {
        Service = service;
        CacheEntries.WithLabels("disk").Set(service.DiskEntries());
    }

    private string PlayerLabel(string id)
    {
        if (_playerLabels.ContainsKey(id))
        {
            return id;
        }

        if (_playerLabels.Count < MaxPlayerLabels && _playerLabels.TryAdd(id, 0))
        {
            return id;
        }

        return _playerLabels.ContainsKey(id) ? id : "other";
    }
}
