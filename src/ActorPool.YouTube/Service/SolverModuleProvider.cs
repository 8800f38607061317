using System.Globalization;
using System.Text.Json;
using ActorPool.Modules;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Solvers;

namespace ActorPool.YouTube.Service;

/// <summary>What a generated module built by <see cref="SolverModuleProvider"/> holds.</summary>
public enum SolverModuleKind
{
    /// <summary>The lean solver module (only the declarations its transforms reach).</summary>
    Lean,

    /// <summary>The full solver module (every declaration of the player), for players whose lean module fails its check.</summary>
    Full,

    /// <summary>A tiny module exporting <c>sts()</c>: the player's signature timestamp, or null.</summary>
    Sts,
}

/// <summary>
/// The module provider of the yt-cipher service: a module source that runs beside a pool and builds the generated
/// modules on that node from the key in the module name (player id, variant, region), e.g.
/// <c>youtube$lean$4918c89a$IAS$en_GB</c>. So the gateway sends only names; each node fetches the player (disk
/// cache, else one download from the canonical URL), extracts and keeps its own modules.
/// </summary>
/// <remarks>
/// <para>A miss builds the module on the engine thread that asked (through the pool's module catalog), so the
/// first task of a player on a node waits for the download and extraction under the pool's in-flight timeout.
/// Concurrent misses for one module on a node share one build (single flight); the download and extraction run
/// on other threads, extraction bounded by <see cref="YouTubeServiceOptions.MaxConcurrentExtractions"/>.</para>
/// <para>Built modules live in two bounded caches (solvers: <see cref="YouTubeServiceOptions.SolverCacheSize"/>,
/// sts: <see cref="YouTubeServiceOptions.StsCacheSize"/>); a dropped module is announced through
/// <see cref="ModuleEvicted"/> so the pool's catalog forgets its prepared code. Failures are not cached.</para>
/// <para>A failure to fetch is reported as a missing module whose message starts with <see cref="UpstreamFailure"/>,
/// a failure to extract as a module that does not parse whose message starts with <see cref="ExtractionFailure"/>:
/// the pool carries both to the caller, on this node or across the cluster.</para>
/// </remarks>
public sealed class SolverModuleProvider : IEvictingModuleSource, IDisposable
{
    /// <summary>The prefix of every module name this provider answers.</summary>
    public const string Prefix = "youtube$";

    /// <summary>Starts the message of a module that could not be built because the player could not be fetched.</summary>
    public const string UpstreamFailure = "youtube-upstream: ";

    /// <summary>Starts the message of a module that could not be built because no solver could be extracted.</summary>
    public const string ExtractionFailure = "youtube-extract: ";

    private readonly YouTubeServiceOptions _options;
    private readonly IYouTubeServiceObserver? _observer;
    private readonly HttpClient _http;
    private readonly PlayerFetcher _fetcher;
    private readonly PlayerDiskCache _disk;
    private readonly BoundedCache<ModuleText> _solvers;
    private readonly BoundedCache<ModuleText> _sts;
    private readonly SingleFlight<string> _downloads = new();
    private readonly SingleFlight<ModuleText> _builds = new();
    private readonly SemaphoreSlim _extractionSlots;
    private readonly CancellationTokenSource _stopping = new();
    private long _version;
    private long _fetches;
    private long _diskHits;
    private long _extractions;

    /// <summary>Creates the provider; stale disk-cache entries are removed now.</summary>
    /// <param name="options">Options; validated here.</param>
    /// <param name="observer">Optional event receiver (metrics).</param>
    /// <param name="handler">Optional HTTP handler for downloads (tests); default a new <see cref="SocketsHttpHandler"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SolverModuleProvider(YouTubeServiceOptions options, IYouTubeServiceObserver? observer = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _observer = observer;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _fetcher = new PlayerFetcher(_http, options.FetchTimeout, options.MaxPlayerBytes);
        _disk = new PlayerDiskCache(options.CacheDirectory, options.CacheRetention, TimeProvider.System);
        _solvers = new BoundedCache<ModuleText>(options.SolverCacheSize, (name, _) => ModuleEvicted?.Invoke(name));
        _sts = new BoundedCache<ModuleText>(options.StsCacheSize, (name, _) => ModuleEvicted?.Invoke(name));
        _extractionSlots = new SemaphoreSlim(options.MaxConcurrentExtractions, options.MaxConcurrentExtractions);
    }

    /// <inheritdoc />
    public event Action<string>? ModuleEvicted;

    /// <summary>The player disk cache directory.</summary>
    public string CacheDirectory => _disk.Directory;

    /// <summary>Player downloads started on this node.</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Players read from this node's disk cache.</summary>
    public long DiskHits => Interlocked.Read(ref _diskHits);

    /// <summary>Solver extractions started on this node.</summary>
    public long Extractions => Interlocked.Read(ref _extractions);

    /// <summary>Solver modules held now.</summary>
    public int SolverModules => _solvers.Count;

    /// <summary>The module name of <paramref name="kind"/> for <paramref name="player"/>.</summary>
    public static string ModuleName(SolverModuleKind kind, PlayerIdentity player)
    {
        ArgumentNullException.ThrowIfNull(player);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{KindName(kind)}${player.Id}${player.Variant.Name()}${player.Region}");
    }

    /// <summary>Reads the kind and player back from a module name; false when the name is not one of ours or not valid.</summary>
    public static bool TryParse(string? name, out SolverModuleKind kind, out PlayerIdentity? player)
    {
        kind = default;
        player = null;
        if (name is null || !name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name[Prefix.Length..].Split('$');
        if (parts.Length != 4 || !PlayerIdentity.IsValidId(parts[1]) || !PlayerVariants.TryParse(parts[2], out var variant))
        {
            return false;
        }

        kind = parts[0] switch
        {
            "lean" => SolverModuleKind.Lean,
            "full" => SolverModuleKind.Full,
            "sts" => SolverModuleKind.Sts,
            _ => (SolverModuleKind)(-1),
        };
        if (!Enum.IsDefined(kind) || (parts[3].Length > 0 && !PlayerIdentity.IsValidRegion(parts[3])))
        {
            return false;
        }

        player = new PlayerIdentity(parts[1], variant.Value, parts[3].Length > 0 ? parts[3] : null);
        return true;
    }

    /// <inheritdoc />
    /// <exception cref="ModuleLoadException">The player could not be fetched (<see cref="ModuleLoadFailure.NotFound"/>,
    /// message starting with <see cref="UpstreamFailure"/>) or no solver could be extracted
    /// (<see cref="ModuleLoadFailure.SyntaxError"/>, message starting with <see cref="ExtractionFailure"/>).</exception>
    public ModuleText? Find(string name)
    {
        if (!TryParse(name, out var kind, out var player))
        {
            return null;
        }

        var cache = kind == SolverModuleKind.Sts ? _sts : _solvers;
        if (cache.TryGet(name, out var ready))
        {
            return ready;
        }

        // Engine threads are dedicated threads, so waiting here blocks no thread-pool thread; the pool's in-flight
        // timeout bounds how long the task that asked waits.
        return _builds.RunAsync(name, () => BuildAsync(name, kind, player!, cache)).GetAwaiter().GetResult();
    }

    /// <summary>Players in the disk cache now.</summary>
    public int DiskEntries() => _disk.Count();

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        _http.Dispose();
        _extractionSlots.Dispose();
        _stopping.Dispose();
    }

    private static string KindName(SolverModuleKind kind) => kind switch
    {
        SolverModuleKind.Lean => "lean",
        SolverModuleKind.Full => "full",
        SolverModuleKind.Sts => "sts",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a module kind"),
    };

    private async Task<ModuleText> BuildAsync(string name, SolverModuleKind kind, PlayerIdentity player, BoundedCache<ModuleText> cache)
    {
        string source;
        try
        {
            source = await GetSourceAsync(player).ConfigureAwait(false);
        }
        catch (PlayerFetchException ex)
        {
            throw new ModuleLoadException(name, ModuleLoadFailure.NotFound, UpstreamFailure + ex.Message, ex);
        }

        var code = kind == SolverModuleKind.Sts
            ? "export function sts() { return " + JsonSerializer.Serialize(YouTubeSolverService.FindSts(source)) + "; }\n"
            : (await ExtractAsync(name, player, source, kind == SolverModuleKind.Lean ? SolverModuleShape.Lean : SolverModuleShape.Full).ConfigureAwait(false)).ModuleSource;
        var text = new ModuleText(name, code, Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture));
        cache.Set(name, text);
        return text;
    }

    private async Task<ExtractedSolver> ExtractAsync(string name, PlayerIdentity player, string source, SolverModuleShape shape)
    {
        await _extractionSlots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _extractions);
            return await Task.Factory.StartNew(() => SolverExtractor.Extract(source, shape), _stopping.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any extraction failure (not only the ones the extractor names) means this player cannot be solved.
            // A player we cannot solve is not kept: the next request downloads it again.
            TryDisk(() => _disk.Delete(player.CacheKey));
            _observer?.SolverFailed(player, "extract");
            throw new ModuleLoadException(name, ModuleLoadFailure.SyntaxError, $"{ExtractionFailure}Failed to generate solvers from player script {player.Id} ({player.CacheKey}): {ex.Message}", ex);
        }
        finally
        {
            _extractionSlots.Release();
        }
    }

    private Task<string> GetSourceAsync(PlayerIdentity player) =>
        _downloads.RunAsync(player.CacheKey, async () =>
        {
            var key = player.CacheKey;
            string? cached = null;
            TryDisk(() => cached = _disk.TryRead(key));
            if (cached is not null)
            {
                Interlocked.Increment(ref _diskHits);
                return cached;
            }

            Interlocked.Increment(ref _fetches);
            var url = player.ToCanonicalUrl(_options.Urls);
            var source = await _fetcher.FetchAsync(player, url, status => _observer?.PlayerFetched(player, status), _stopping.Token).ConfigureAwait(false);
            // A cache that cannot be written (disk full, read-only) costs a later download, not this answer.
            TryDisk(() => _disk.Write(key, source));
            return source;
        });

    private static void TryDisk(Action action)
    {
        try
        {
            action();
        }
        catch (IOException)
        {
            // See the callers: the disk cache is an optimisation.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: a read-only or foreign-owned cache directory degrades to no cache.
        }
    }
}
