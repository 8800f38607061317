using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>
/// yt-cipher's own metric families, under yt-cipher's names and label names, so dashboards built for yt-cipher
/// keep working against the gateway (docs/gateway.md, "yt-cipher metric parity"). They sit beside the
/// <c>actorpool_youtube_*</c> families of <see cref="YouTubeMetrics"/>.
/// </summary>
/// <remarks>
/// yt-cipher labels some series with raw request data (user agent, plugin version, player URL); here every label
/// value comes from a bounded set: a value seen after <see cref="MaxDistinctValues"/> distinct ones (per label) is
/// reported as <c>other</c>, and absent or unparsable input as <c>unknown</c>.
/// </remarks>
internal sealed class YtCipherMetrics : IYouTubeServiceObserver
{
    /// <summary>Distinct values kept per free-form label (player id, user agent, plugin version); later ones are <c>other</c>.</summary>
    public const int MaxDistinctValues = 64;

    /// <summary>Where <see cref="YouTubeApi"/> leaves the request's <c>player_url</c> for the middleware.</summary>
    public const string PlayerUrlItem = "ytcipher.player_url";

    private const int MaxLabelLength = 64;
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    private static readonly Counter Requests = Metrics.CreateCounter(
        "http_requests_total", "Total number of HTTP requests (yt-cipher endpoints; yt-cipher's family).",
        "method", "pathname", "player_id", "player_type", "plugin_version", "user_agent");

    private static readonly Counter Responses = Metrics.CreateCounter(
        "http_responses_total", "Total number of HTTP responses (yt-cipher endpoints; yt-cipher's family).",
        "method", "pathname", "status", "player_id", "player_type", "plugin_version", "user_agent");

    private static readonly Histogram Duration = Metrics.CreateHistogram(
        "http_request_duration_seconds", "HTTP request duration in seconds (yt-cipher endpoints; yt-cipher's family).",
        new HistogramConfiguration
        {
            LabelNames = ["method", "pathname", "player_id", "player_type", "cached"],
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    private static readonly Counter WorkerErrors = Metrics.CreateCounter(
        "worker_errors_total", "Total number of solver errors, by player and stage (extract, sig, n).", "player_id", "player_type", "message");

    private static readonly Gauge CacheSize = Metrics.CreateGauge(
        "cache_size", "The number of items in the cache: player (disk), preprocessed, solver, sts.", "cache_name");

    private static readonly Counter PlayerUrlRequests = Metrics.CreateCounter(
        "player_url_requests_total", "Total number of requests for each player ID.", "player_id", "player_type");

    private static readonly Counter PlayerScriptFetches = Metrics.CreateCounter(
        "player_script_fetches_total", "Total number of player script fetches, by canonical player URL and outcome (2xx, 4xx, 5xx, timeout, too_large, error).", "player_url", "status");

    private readonly BoundedLabel _playerIds = new(MaxDistinctValues);
    private readonly BoundedLabel _userAgents = new(MaxDistinctValues);
    private readonly BoundedLabel _pluginVersions = new(MaxDistinctValues);
    private readonly ConcurrentDictionary<string, PlayerTiming> _timings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<PlayerVariant, string> s_typeLabels = new();
    private static readonly Gauge.Child s_preprocessedSize = CacheSize.WithLabels("preprocessed");
    private static readonly Gauge.Child s_solverSize = CacheSize.WithLabels("solver");
    private static readonly Gauge.Child s_stsSize = CacheSize.WithLabels("sts");
    private YouTubeSolverService? _service;

    /// <summary>Request timings per player cache key (at most <see cref="MaxDistinctValues"/> players), for the dashboard.</summary>
    public IReadOnlyDictionary<string, PlayerTiming> Timings => _timings;

    /// <summary>Reads the cache sizes once the service exists.</summary>
    public void Start(YouTubeSolverService service)
    {
        _service = service;
        CacheSize.WithLabels("player").Set(service.DiskEntries());
        UpdateCacheSizes();
    }

    /// <summary>Observes one request to a yt-cipher endpoint (middleware; other paths pass through).</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path;
        if (!IsYtCipherPath(path))
        {
            await next().ConfigureAwait(false);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var method = Methods.Contains(context.Request.Method, StringComparer.Ordinal) ? context.Request.Method : "other";
        var pathname = path.Value!.ToLowerInvariant();
        var userAgent = _userAgents.Label(context.Request.Headers.UserAgent.ToString());
        var pluginVersion = _pluginVersions.Label(context.Request.Headers["Plugin-Version"].ToString());
        try
        {
            await next().ConfigureAwait(false);
        }
        finally
        {
            // The body is read by the endpoint; it leaves the player URL behind (yt-cipher reads the body first and
            // counts the request then, so both counters are written here, after the endpoint).
            var playerUrl = context.Items.TryGetValue(PlayerUrlItem, out var item) ? item as string : null;
            var (playerId, playerType) = PlayerLabels(playerUrl);
            var status = context.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
            var cached = context.Response.Headers[YouTubeApi.CacheHitHeader] == "true" ? "true" : "false";
            var elapsed = Stopwatch.GetElapsedTime(started);
            Requests.WithLabels(method, pathname, playerId, playerType, pluginVersion, userAgent).Inc();
            Responses.WithLabels(method, pathname, status, playerId, playerType, pluginVersion, userAgent).Inc();
            Duration.WithLabels(method, pathname, playerId, playerType, cached).Observe(elapsed.TotalSeconds);
            if (playerId != "unknown")
            {
                PlayerUrlRequests.WithLabels(playerId, playerType).Inc();
            }

            RecordTiming(playerUrl, cached == "true", context.Response.StatusCode, elapsed);
            UpdateCacheSizes();
        }
    }

    /// <summary>The three yt-cipher paths, compared without allocating (this runs on every request).</summary>
    internal static bool IsYtCipherPath(PathString path) =>
        path.Equals("/decrypt_signature", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/get_sts", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/resolve_url", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public void PlayerFetched(PlayerIdentity player, string statusClass)
    {
        var id = _playerIds.Label(player.Id);
        var url = id == "other" || _service is null ? "other" : player.ToCanonicalUrl(_service.Options.Urls).ToString();
        PlayerScriptFetches.WithLabels(url, statusClass).Inc();
        if (statusClass == "2xx" && _service is { } service)
        {
            // The file is written after this event; count it now.
            CacheSize.WithLabels("player").Set(service.DiskEntries() + 1);
        }
    }

    /// <inheritdoc />
    public void SolverFailed(PlayerIdentity player, string stage) =>
        WorkerErrors.WithLabels(_playerIds.Label(player.Id), TypeLabel(player.Variant), stage).Inc();

    /// <summary>yt-cipher's <c>player_type</c>: the build named by the caller's URL, lower case (<c>ias</c>, <c>es6</c>, <c>tv</c>, …).</summary>
    internal static string TypeLabel(PlayerVariant variant) => s_typeLabels.GetOrAdd(variant, static v => v.Name().ToLowerInvariant());

    private (string Id, string Type) PlayerLabels(string? playerUrl)
    {
        // The service keeps each URL's parse (once per player, not per request); without it, parse here.
        var identity = _service is { } service ? service.TryIdentifyAsNamed(playerUrl)
            : PlayerIdentity.TryParse(playerUrl, out var parsed, out _) ? parsed : null;
        return identity is null ? ("unknown", "unknown") : (_playerIds.Label(identity.Id), TypeLabel(identity.Variant));
    }

    private void RecordTiming(string? playerUrl, bool cached, int status, TimeSpan elapsed)
    {
        if (_service is not { } service || status >= 400 || playerUrl is null)
        {
            return;
        }

        string key;
        try
        {
            key = service.Identify(playerUrl).CacheKey;
        }
        catch (PlayerScriptException)
        {
            return;
        }

        if (!_timings.ContainsKey(key) && _timings.Count >= MaxDistinctValues)
        {
            return;
        }

        _timings.AddOrUpdate(
            key,
            _ => PlayerTiming.First(cached, elapsed),
            (_, timing) => timing.With(cached, elapsed));
    }

    private void UpdateCacheSizes()
    {
        if (_service is { } service)
        {
            var stats = service.Stats();
            s_preprocessedSize.Set(stats.PreprocessedEntries);
            s_solverSize.Set(stats.SolverEntries);
            s_stsSize.Set(stats.StsEntries);
        }
    }

    /// <summary>A label whose values are whatever callers send, kept to a bounded set.</summary>
    internal sealed class BoundedLabel(int capacity)
    {
        private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

        public string Label(string? raw)
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                return "unknown";
            }

            var value = raw.Length > MaxLabelLength ? raw[..MaxLabelLength] : raw;
            if (value.Any(char.IsControl))
            {
                return "other";
            }

            if (_seen.ContainsKey(value) || (_seen.Count < capacity && _seen.TryAdd(value, 0)))
            {
                return value;
            }

            return _seen.ContainsKey(value) ? value : "other";
        }
    }
}

/// <summary>Timings of the successful requests for one player, as the gateway saw them.</summary>
/// <param name="Requests">Successful requests.</param>
/// <param name="ColdMs">Duration of the first request that found no ready solver (download or disk read,
/// extraction, and the solve), or <see langword="null"/> if every request found it ready.</param>
/// <param name="LastMs">Duration of the latest request.</param>
/// <param name="LastCached">Whether the latest request found the solver (or sts) ready.</param>
internal sealed record PlayerTiming(long Requests, double? ColdMs, double LastMs, bool LastCached)
{
    public static PlayerTiming First(bool cached, TimeSpan elapsed) =>
        new(1, cached ? null : elapsed.TotalMilliseconds, elapsed.TotalMilliseconds, cached);

    public PlayerTiming With(bool cached, TimeSpan elapsed) =>
        new(Requests + 1, ColdMs ?? (cached ? null : elapsed.TotalMilliseconds), elapsed.TotalMilliseconds, cached);
}

/// <summary>Passes the YouTube service's events to several observers (the gateway's two metric sets).</summary>
internal sealed class YouTubeObservers(params IYouTubeServiceObserver[] observers) : IYouTubeServiceObserver
{
    /// <inheritdoc />
    public void PlayerFetched(PlayerIdentity player, string statusClass)
    {
        foreach (var observer in observers)
        {
            observer.PlayerFetched(player, statusClass);
        }
    }

    /// <inheritdoc />
    public void SolverFailed(PlayerIdentity player, string stage)
    {
        foreach (var observer in observers)
        {
            observer.SolverFailed(player, stage);
        }
    }
}
