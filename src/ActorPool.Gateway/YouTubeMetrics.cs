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
        Requests.WithLabels(endpoint, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        Latency.WithLabels(endpoint, cached ? "true" : "false").Observe(elapsed.TotalSeconds);
        if (Service is { } service)
        {
            var stats = service.Stats();
            CacheEntries.WithLabels("preprocessed").Set(stats.PreprocessedEntries);
            CacheEntries.WithLabels("solver").Set(stats.SolverEntries);
            CacheEntries.WithLabels("sts").Set(stats.StsEntries);
            CacheEntries.WithLabels("signature_map").Set(stats.SignatureMapEntries);
            CacheEntries.WithLabels("n").Set(stats.NCacheEntries);
            FastPath.WithLabels("tasks").IncTo(stats.SolverTasks);
            FastPath.WithLabels("sig_reindexed").IncTo(stats.SignaturesReindexed);
            FastPath.WithLabels("n_memo_hits").IncTo(stats.NCacheHits);
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
