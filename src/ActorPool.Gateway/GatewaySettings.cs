using System.Globalization;
using System.Net;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Hosting;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace ActorPool.Gateway;

/// <summary>
/// The gateway's settings, read from environment variables (or the same keys in any configuration source).
/// Every bad variable is reported at once, by name; docs/gateway.md has the table.
/// </summary>
internal sealed record GatewaySettings
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public string? ApiToken { get; init; }

    public required long MaxRequestBytes { get; init; }

    public required bool JsonLogs { get; init; }

    public required LogEventLevel LogLevel { get; init; }

    public required ScriptPoolOptions Pool { get; init; }

    /// <summary>The yt-cipher endpoints: player URLs, caches, fetch limits.</summary>
    public required YouTubeServiceOptions YouTube { get; init; }

    /// <summary>
    /// <c>SOLVER_ENGINE</c>: the engine kind of the solver pool that runs the YouTube solvers, <c>jint</c> or
    /// <c>v8</c> (default). When V8 cannot load, that pool runs on Jint and says so (see <see cref="SolverPool"/>).
    /// </summary>
    public string SolverEngine { get; init; } = ScriptEngineKinds.V8;

    /// <summary>
    /// The pool variables that were set, by the <c>actor-pool</c> key they set (e.g. <c>workers</c> →
    /// <c>MAX_THREADS</c>). Their ranges are the pool's own (<c>reference.conf</c>), checked once, when the pool's
    /// settings are built; <see cref="NameVariables"/> puts the variable's name on those errors.
    /// </summary>
    public IReadOnlyDictionary<string, string> PoolVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>Prefixes each pool error with the variable that set its key, e.g. <c>MAX_THREADS: actor-pool.workers = -1 ...</c>.</summary>
    public IEnumerable<string> NameVariables(IEnumerable<string> poolErrors) =>
        poolErrors.Select(error => PoolVariables.FirstOrDefault(v => error.StartsWith($"actor-pool.{v.Key} ", StringComparison.Ordinal)) is { Value: { } variable }
            ? $"{variable}: {error}"
            : error);

    /// <summary>Reads the settings, adding one line per bad variable to <paramref name="errors"/>.</summary>
    public static GatewaySettings Read(IConfiguration configuration, List<string> errors)
    {
        var poolVariables = new Dictionary<string, string>(StringComparer.Ordinal);

        // A pool variable is only parsed here; its range is checked with the rest of the pool's settings.
        int? PoolInt(string key, string poolKey)
        {
            var text = configuration[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                errors.Add($"{key} = '{text}': expected an integer");
                return null;
            }

            poolVariables[poolKey] = key;
            return value;
        }

        int? Int(string key, int min, int max)
        {
            var text = configuration[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key} = '{text}': expected an integer in {min} .. {max}"));
                return null;
            }

            return value;
        }

        static TimeSpan? Ms(int? ms) => ms is { } v ? TimeSpan.FromMilliseconds(v) : null;

        var host = configuration["HOST"] is { Length: > 0 } h ? h.Trim() : "127.0.0.1";
        if (host != "localhost" && !IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            errors.Add($"HOST = '{host}': expected an IP address such as 127.0.0.1, 0.0.0.0 or [::], or localhost");
        }

        var scripts = configuration["SCRIPTS_DIR"] is { Length: > 0 } dir ? Path.GetFullPath(dir, AppContext.BaseDirectory) : Path.Combine(AppContext.BaseDirectory, "scripts");
        if (!Directory.Exists(scripts))
        {
            errors.Add($"SCRIPTS_DIR = '{scripts}': the directory does not exist");
        }

        var format = configuration["LOG_FORMAT"] ?? "text";
        if (format is not ("text" or "json"))
        {
            errors.Add($"LOG_FORMAT = '{format}': expected text or json");
        }

        var levelText = configuration["LOG_LEVEL"] ?? "information";
        var level = ParseLevel(levelText);
        if (level is null)
        {
            errors.Add($"LOG_LEVEL = '{levelText}': expected verbose, debug, information, warning, error or fatal");
        }

        var memoryMb = PoolInt("ENGINE_MEMORY_LIMIT_MB", "engine.memory-limit");
        var engineKind = configuration["ENGINE_KIND"] is { Length: > 0 } kindText ? kindText.Trim().ToLowerInvariant() : null;
        if (engineKind is not null && !ScriptEngineKinds.IsKnown(engineKind))
        {
            errors.Add($"ENGINE_KIND = '{configuration["ENGINE_KIND"]}': expected jint or v8");
        }

        var youtube = YouTubeOptions(configuration, errors, Int);
        var solverEngine = configuration["SOLVER_ENGINE"] is { Length: > 0 } engineText ? engineText.Trim().ToLowerInvariant() : null;
        if (solverEngine is not null && !ScriptEngineKinds.IsKnown(solverEngine))
        {
            errors.Add($"SOLVER_ENGINE = '{configuration["SOLVER_ENGINE"]}': expected jint or v8");
        }

        var settings = new GatewaySettings
        {
            Host = host,
            Port = Int("PORT", 0, 65535) ?? 8001,
            ApiToken = configuration["API_TOKEN"] is { Length: > 0 } token ? token : null,
            MaxRequestBytes = Int("MAX_REQUEST_BYTES", 1, int.MaxValue) ?? 1 << 20,
            JsonLogs = format == "json",
            LogLevel = level ?? LogEventLevel.Information,
            Pool = new ScriptPoolOptions
            {
                ModulesDirectory = scripts,
                Workers = PoolInt("MAX_THREADS", "workers"),
                TaskBudget = PoolInt("MESSAGES_LIMIT", "task-budget"),
                InFlightTimeout = Ms(PoolInt("IN_FLIGHT_TIMEOUT_MS", "in-flight-timeout")),
                MaxTaskAge = Ms(PoolInt("MAX_TASK_AGE_MS", "max-task-age")),
                MaxQueueLength = PoolInt("MAX_QUEUE_LENGTH", "max-queue-length"),
                DrainTimeout = Ms(PoolInt("DRAIN_TIMEOUT_MS", "drain-timeout")),
                EngineKind = engineKind,
                EngineMemoryLimitBytes = memoryMb is { } mb ? (long)mb << 20 : null,
                EngineRecursionLimit = PoolInt("ENGINE_RECURSION_LIMIT", "engine.recursion-limit"),
            },
            YouTube = youtube,
            SolverEngine = solverEngine ?? ScriptEngineKinds.V8,
            PoolVariables = poolVariables,
        };
        return settings;
    }

    private static YouTubeServiceOptions YouTubeOptions(IConfiguration configuration, List<string> errors, Func<string, int, int, int?> integer)
    {
        var urls = PlayerUrlOptions.Default;
        try
        {
            urls = PlayerUrlOptions.FromEnvironmentValues(configuration["OVERRIDE_PLAYER_ID"], configuration["OVERRIDE_PLAYER_VARIANT"], configuration["IGNORE_SCRIPT_REGION"]);
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }

        if (configuration["YOUTUBE_BASE_URL"] is { Length: > 0 } baseText)
        {
            if (Uri.TryCreate(baseText.Trim(), UriKind.Absolute, out var baseUrl) && (baseUrl.Scheme == Uri.UriSchemeHttps || baseUrl.Scheme == Uri.UriSchemeHttp))
            {
                urls = urls with { BaseUrl = baseUrl };
            }
            else
            {
                errors.Add($"YOUTUBE_BASE_URL = '{baseText}': expected an absolute http(s) URL such as https://www.youtube.com");
            }
        }

        var defaults = new YouTubeServiceOptions { CacheDirectory = "unused" };
        var xdg = configuration["XDG_CACHE_HOME"];
        var cacheDirectory = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "actorpool", "players")
            : Path.Combine(Path.GetFullPath(xdg.Trim()), "actorpool", "players");
        var fetchMs = integer("PLAYER_FETCH_TIMEOUT_MS", 1, 600_000);
        return new YouTubeServiceOptions
        {
            Urls = urls,
            CacheDirectory = cacheDirectory,
            PreprocessedCacheSize = integer("PREPROCESSED_CACHE_SIZE", 1, 100_000) ?? defaults.PreprocessedCacheSize,
            SolverCacheSize = integer("SOLVER_CACHE_SIZE", 1, 100_000) ?? defaults.SolverCacheSize,
            StsCacheSize = integer("STS_CACHE_SIZE", 1, 1_000_000) ?? defaults.StsCacheSize,
            SignatureMapCacheSize = integer("SIG_MAP_CACHE_SIZE", 1, 1_000_000) ?? defaults.SignatureMapCacheSize,
            NCacheSize = integer("N_CACHE_SIZE", 1, 10_000_000) ?? defaults.NCacheSize,
            FetchTimeout = fetchMs is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.FetchTimeout,
        };
    }

    private static LogEventLevel? ParseLevel(string text) => text.Trim().ToUpperInvariant() switch
    {
        "VERBOSE" or "TRACE" => LogEventLevel.Verbose,
        "DEBUG" => LogEventLevel.Debug,
        "INFORMATION" or "INFO" => LogEventLevel.Information,
        "WARNING" or "WARN" => LogEventLevel.Warning,
        "ERROR" => LogEventLevel.Error,
        "FATAL" or "CRITICAL" => LogEventLevel.Fatal,
        _ => null,
    };
}
