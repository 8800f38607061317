using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Service;

/// <summary>Options of <see cref="YouTubeSolverService"/>. The cache sizes use yt-cipher's defaults.</summary>
public sealed record YouTubeServiceOptions
{
    /// <summary>How player URLs become identities and fetch URLs (base URL, overrides, region). Default: <see cref="PlayerUrlOptions.Default"/>.</summary>
    public PlayerUrlOptions Urls { get; init; } = PlayerUrlOptions.Default;

    /// <summary>Directory of the player disk cache. Default <c>$XDG_CACHE_HOME/actorpool/players</c>, else <c>~/.cache/actorpool/players</c>.</summary>
    public string CacheDirectory { get; init; } = PlayerDiskCache.DefaultDirectory(Environment.GetEnvironmentVariable("XDG_CACHE_HOME"));

    /// <summary>Player files not used for this long are removed at start. Default 14 days.</summary>
    public TimeSpan CacheRetention { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Time for one player download, headers and body. Default 10 s.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest player script accepted. Default 16 MiB (players are ≈ 1–3 MB).</summary>
    public long MaxPlayerBytes { get; init; } = 16L << 20;

    /// <summary>yt-cipher's <c>PREPROCESSED_CACHE_SIZE</c>, accepted for compatibility: the module provider keeps built modules only (<see cref="SolverCacheSize"/>). Default 150.</summary>
    public int PreprocessedCacheSize { get; init; } = 150;

    /// <summary>yt-cipher's <c>SOLVER_CACHE_SIZE</c>: solver modules built and kept per node by the module provider, and players the service knows ready. Default 50.</summary>
    public int SolverCacheSize { get; init; } = 50;

    /// <summary>yt-cipher's <c>STS_CACHE_SIZE</c>: signature timestamps kept in memory. Default 150.</summary>
    public int StsCacheSize { get; init; } = 150;

    /// <summary>(player, signature length) index maps kept (<c>SIG_MAP_CACHE_SIZE</c>). Default 1000.</summary>
    public int SignatureMapCacheSize { get; init; } = 1000;

    /// <summary>Memoised n answers, per (player, n) (<c>N_CACHE_SIZE</c>). Default 10000.</summary>
    public int NCacheSize { get; init; } = 10_000;

    /// <summary>Extractions that may run at once (each parses a whole player on its own thread). Default half the cores, at least 1.</summary>
    public int MaxConcurrentExtractions { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Prefix of the pool module names of solvers; the player's cache key follows. Default <c>youtube.</c>.</summary>
    public string ModulePrefix { get; init; } = "youtube.";

    /// <summary>Validates the options; the message names every bad value.</summary>
    /// <exception cref="ArgumentException">One or more values are out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (PreprocessedCacheSize < 1)
        {
            errors.Add("PreprocessedCacheSize must be at least 1");
        }

        if (SolverCacheSize < 1)
        {
            errors.Add("SolverCacheSize must be at least 1");
        }

        if (StsCacheSize < 1)
        {
            errors.Add("StsCacheSize must be at least 1");
        }

        if (SignatureMapCacheSize < 1 || NCacheSize < 1)
        {
            errors.Add("SignatureMapCacheSize and NCacheSize must be at least 1");
        }

        if (MaxConcurrentExtractions < 1)
        {
            errors.Add("MaxConcurrentExtractions must be at least 1");
        }

        if (FetchTimeout <= TimeSpan.Zero || MaxPlayerBytes < 1 || CacheRetention <= TimeSpan.Zero)
        {
            errors.Add("FetchTimeout, MaxPlayerBytes and CacheRetention must be positive");
        }

        if (string.IsNullOrWhiteSpace(CacheDirectory))
        {
            errors.Add("CacheDirectory is empty");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid YouTube service options: " + string.Join("; ", errors));
        }
    }
}
