using System.Text.Json;
using System.Text.RegularExpressions;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Solvers;

namespace ActorPool.YouTube.Service;

/// <summary>
/// The yt-cipher service without HTTP: reduces a player URL to an identity, gets the player (disk cache, else one
/// download from the canonical URL), extracts its solver once, registers it as a pool module and runs
/// <c>sig</c>/<c>n</c> calls as pool tasks.
/// </summary>
/// <remarks>
/// <para>Concurrent first requests for one player share one download and one extraction (single flight).
/// Extraction parses the player with Acornima, which cannot run inside Jint, so it runs on a dedicated thread
/// bounded by <see cref="YouTubeServiceOptions.MaxConcurrentExtractions"/>, never on a request thread; only the
/// <c>sig</c>/<c>n</c> calls run in the pool.</para>
/// <para>Three bounded caches as in yt-cipher: preprocessed (extracted module text), solver (modules registered in
/// the pool; an evicted one is removed from the module source) and sts. Failures are not cached: the next request
/// tries again.</para>
/// </remarks>
public sealed partial class YouTubeSolverService : IDisposable
{
    private readonly IScriptPool _pool;
    private readonly InMemoryModuleSource _modules;
    private readonly YouTubeServiceOptions _options;
    private readonly IYouTubeServiceObserver? _observer;
    private readonly PlayerFetcher _fetcher;
    private readonly PlayerDiskCache _disk;
    private readonly HttpClient _http;
    private readonly BoundedCache<ExtractedSolver> _preprocessed;
    private readonly BoundedCache<PreparedSolver> _solvers;
    private readonly BoundedCache<string?> _sts;
    private readonly BoundedCache<string> _failures = new(32);
    private readonly SingleFlight<string> _downloads = new();
    private readonly SingleFlight<PreparedSolver> _preparations = new();
    private readonly BoundedCache<SignatureMap?> _maps;
    private readonly BoundedCache<string> _nResults;
    private readonly SingleFlight<string> _nFlights = new();
    private readonly SemaphoreSlim _extractionSlots;
    private readonly CancellationTokenSource _stopping = new();
    private long _fetches;
    private long _diskHits;
    private long _extractions;
    private long _tasks;
    private long _nHits;
    private long _sigReindexed;

    /// <summary>Creates the service over a pool whose module source includes <paramref name="modules"/>.</summary>
    /// <param name="pool">The pool that runs <c>sig</c>/<c>n</c>.</param>
    /// <param name="modules">The in-memory source the pool reads; solver modules are added to and removed from it.</param>
    /// <param name="options">Options; validated here.</param>
    /// <param name="observer">Optional event receiver (metrics).</param>
    /// <param name="handler">Optional HTTP handler for downloads (tests); default a new <see cref="SocketsHttpHandler"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public YouTubeSolverService(IScriptPool pool, InMemoryModuleSource modules, YouTubeServiceOptions options, IYouTubeServiceObserver? observer = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _pool = pool;
        _modules = modules;
        _options = options;
        _observer = observer;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _fetcher = new PlayerFetcher(_http, options.FetchTimeout, options.MaxPlayerBytes);
        _disk = new PlayerDiskCache(options.CacheDirectory, options.CacheRetention, TimeProvider.System);
        _preprocessed = new BoundedCache<ExtractedSolver>(options.PreprocessedCacheSize);
        _solvers = new BoundedCache<PreparedSolver>(options.SolverCacheSize, (_, solver) => _modules.Remove(solver.ModuleName));
        _sts = new BoundedCache<string?>(options.StsCacheSize);
        _maps = new BoundedCache<SignatureMap?>(options.SignatureMapCacheSize);
        _nResults = new BoundedCache<string>(options.NCacheSize);
        _extractionSlots = new SemaphoreSlim(options.MaxConcurrentExtractions, options.MaxConcurrentExtractions);
    }

    /// <summary>The options in use.</summary>
    public YouTubeServiceOptions Options => _options;

    /// <summary>The player disk cache directory.</summary>
    public string CacheDirectory => _disk.Directory;

    /// <summary>Reduces a caller's player URL to an identity with the configured overrides.</summary>
    /// <exception cref="PlayerScriptException">The URL is not a player URL.</exception>
    public PlayerIdentity Identify(string? playerUrl) => PlayerIdentity.Parse(playerUrl, _options.Urls);

    /// <summary>
    /// Decrypts a signature and/or an n parameter with at most one pool task; an absent input gives an empty string.
    /// </summary>
    /// <remarks>
    /// <para><c>sig</c>: once a (player, signature length) has been learnt as an index map (see
    /// <c>SignatureMap</c>), the answer is computed in C# and no JavaScript runs. The first signature of a length
    /// runs in JavaScript together with the two probes that learn the map, in the same task.</para>
    /// <para><c>n</c>: answers are memoised per (player, n) in a bounded LRU; concurrent requests for the same
    /// uncached n (and no signature needing JavaScript) share one task.</para>
    /// <para>Whatever still needs JavaScript (sig, probes, n) goes to the module's combined <c>solve</c> export in
    /// one pool task, never two.</para>
    /// </remarks>
    /// <exception cref="PlayerFetchException">The player could not be downloaded.</exception>
    /// <exception cref="SolverFailedException">The solver could not be built or a call failed.</exception>
    /// <exception cref="ScriptPoolException">The pool refused or timed out the call.</exception>
    public async Task<DecryptResult> DecryptAsync(PlayerIdentity player, string? encryptedSignature, string? n, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var solver = await GetSolverAsync(player, cancellationToken).ConfigureAwait(false);
        var wantSig = !string.IsNullOrEmpty(encryptedSignature) && solver.HasSig;
        var wantN = !string.IsNullOrEmpty(n) && solver.HasN;
        var key = solver.Player.CacheKey;

        string? sig = null;
        var learn = false;
        if (wantSig)
        {
            var mapKey = MapKey(key, encryptedSignature!.Length);
            if (_maps.TryGet(mapKey, out var map))
            {
                if (map is not null)
                {
                    sig = map.Apply(encryptedSignature);
                    Interlocked.Increment(ref _sigReindexed);
                }
            }
            else
            {
                learn = encryptedSignature.Length <= SignatureMap.MaxLength;
            }
        }

        string? nAnswer = null;
        var nKey = wantN ? key + "\n" + n : null;
        if (nKey is not null && _nResults.TryGet(nKey, out var memo))
        {
            nAnswer = memo;
            Interlocked.Increment(ref _nHits);
        }

        if (wantSig && sig is null)
        {
            // One task: the signature, the probes when this length is new, and n unless memoised.
            var sigs = new List<string> { encryptedSignature! };
            if (learn)
            {
                var (first, second) = SignatureMap.Probes(encryptedSignature!.Length);
                sigs.Add(first);
                sigs.Add(second);
            }

            var includeN = wantN && nAnswer is null;
            var (sigOut, nOut) = await RunSolveAsync(solver, sigs, includeN ? n : null, deadline, cancellationToken).ConfigureAwait(false);
            sig = sigOut[0];
            if (learn)
            {
                _maps.Set(MapKey(key, encryptedSignature!.Length), SignatureMap.TryLearn(sigOut[1], sigOut[2], encryptedSignature, sig));
            }

            if (includeN)
            {
                nAnswer = nOut;
                _nResults.Set(nKey!, nOut!);
            }
        }
        else if (wantN && nAnswer is null)
        {
            // The shared call is not cancelled by one caller (others may wait on it); each caller stops waiting on its own token.
            nAnswer = await _nFlights.RunAsync(nKey!, async () =>
            {
                var (_, nOut) = await RunSolveAsync(solver, [], n, deadline, CancellationToken.None).ConfigureAwait(false);
                _nResults.Set(nKey!, nOut!);
                return nOut!;
            }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new DecryptResult(sig ?? string.Empty, nAnswer ?? string.Empty, solver.CacheHit);
    }

    /// <summary>The player's signature timestamp (null when the script states none) and whether it was cached.</summary>
    /// <exception cref="PlayerFetchException">The player could not be downloaded.</exception>
    public async Task<(string? Sts, bool CacheHit)> GetStsAsync(PlayerIdentity player, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(player);
        var key = player.CacheKey;
        if (_sts.TryGet(key, out var cached))
        {
            return (cached, true);
        }

        var source = await GetSourceAsync(player).WaitAsync(cancellationToken).ConfigureAwait(false);
        var sts = FindSts(source);
        _sts.Set(key, sts);
        return (sts, false);
    }

    /// <summary>The solver of a player, ready in the pool: prepared once, shared by concurrent callers.</summary>
    /// <exception cref="PlayerFetchException">The player could not be downloaded.</exception>
    /// <exception cref="SolverFailedException">The solver could not be built.</exception>
    public Task<PreparedSolver> GetSolverAsync(PlayerIdentity player, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(player);
        if (_solvers.TryGet(player.CacheKey, out var ready))
        {
            return Task.FromResult(ready);
        }

        // The shared preparation is not cancelled by one caller; each caller stops waiting on its own token.
        return _preparations.RunAsync(player.CacheKey, () => PrepareAsync(player)).WaitAsync(cancellationToken);
    }

    /// <summary>One pool task of the combined <c>solve</c> export: the <c>sig</c> of each input and (when given) <c>n</c>.</summary>
    private async Task<(string[] Sigs, string? N)> RunSolveAsync(PreparedSolver solver, List<string> sigs, string? n, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        var args = JsonSerializer.Serialize(new object?[] { sigs, n });
        var stage = sigs.Count > 0 ? ExtractedSolver.SigExport : ExtractedSolver.NExport;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Interlocked.Increment(ref _tasks);
                var result = await _pool.RunAsync(solver.ModuleName, ExtractedSolver.SolveExport, args, deadline, cancellationToken).ConfigureAwait(false);
                return ReadSolve(solver, sigs.Count, n is not null, result.Json);
            }
            catch (ScriptPoolException ex) when (ex.Kind == FailureKind.ModuleNotFound && attempt == 0)
            {
                // The solver was evicted between lookup and call: prepare it again (cheap from the preprocessed cache).
                solver = await GetSolverAsync(solver.Player, cancellationToken).ConfigureAwait(false);
            }
            catch (ScriptPoolException ex) when (ex.Kind is FailureKind.ScriptError or FailureKind.LimitExceeded or FailureKind.WorkerCrashed or FailureKind.ModuleNotFound)
            {
                _observer?.SolverFailed(solver.Player, stage);
                throw new SolverFailedException($"the {stage} solver of player {solver.Player.Id} failed: {ex.Message}", solver.Player.Id, ex);
            }
        }
    }

    private (string[] Sigs, string? N) ReadSolve(PreparedSolver solver, int sigCount, bool wantN, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var sigs = new string[sigCount];
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("sig", out var sigArray) || sigArray.ValueKind != JsonValueKind.Array || sigArray.GetArrayLength() != sigCount)
        {
            throw Failed(ExtractedSolver.SigExport);
        }

        var i = 0;
        foreach (var item in sigArray.EnumerateArray())
        {
            sigs[i++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Failed(ExtractedSolver.SigExport);
        }

        string? n = null;
        if (wantN)
        {
            n = root.TryGetProperty("n", out var nValue) && nValue.ValueKind == JsonValueKind.String ? nValue.GetString() : throw Failed(ExtractedSolver.NExport);
        }

        return (sigs, n);

        SolverFailedException Failed(string function)
        {
            _observer?.SolverFailed(solver.Player, function);
            return new SolverFailedException($"the {function} solver of player {solver.Player.Id} returned {Shorten(json)} instead of a string", solver.Player.Id);
        }
    }

    private static string MapKey(string playerKey, int length) => playerKey + "#" + length.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Players known to the service: preparing, ready, extracted, and recent failures.</summary>
    public IReadOnlyList<PlayerStatus> Players()
    {
        var list = new List<PlayerStatus>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in _preparations.Keys)
        {
            if (seen.Add(key))
            {
                list.Add(new PlayerStatus(key, "preparing", null, null));
            }
        }

        foreach (var (key, solver) in _solvers.Snapshot())
        {
            if (seen.Add(key))
            {
                list.Add(new PlayerStatus(key, "ready", StsOf(key), Exports(solver.HasSig, solver.HasN)));
            }
        }

        foreach (var (key, extracted) in _preprocessed.Snapshot())
        {
            if (seen.Add(key))
            {
                list.Add(new PlayerStatus(key, "extracted", extracted.Sts, Exports(extracted.HasSig, extracted.HasN)));
            }
        }

        foreach (var (key, message) in _failures.Snapshot())
        {
            if (seen.Add(key))
            {
                list.Add(new PlayerStatus(key, "failed", null, message));
            }
        }

        return list;
    }

    /// <summary>Counters since start and cache sizes now.</summary>
    public YouTubeServiceStats Stats() => new(
        Interlocked.Read(ref _fetches), Interlocked.Read(ref _diskHits), Interlocked.Read(ref _extractions),
        _preprocessed.Count, _solvers.Count, _sts.Count,
        Interlocked.Read(ref _tasks), Interlocked.Read(ref _nHits), Interlocked.Read(ref _sigReindexed), _maps.Count, _nResults.Count);

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

    private async Task<PreparedSolver> PrepareAsync(PlayerIdentity player)
    {
        var key = player.CacheKey;
        if (!_preprocessed.TryGet(key, out var extracted))
        {
            var source = await GetSourceAsync(player).ConfigureAwait(false);
            _sts.Set(key, FindSts(source));
            extracted = await ExtractAsync(player, source).ConfigureAwait(false);
            _preprocessed.Set(key, extracted);
        }

        var prepared = new PreparedSolver(player, _options.ModulePrefix + key, extracted.HasSig, extracted.HasN, CacheHit: false);
        _modules.Set(prepared.ModuleName, extracted.ModuleSource);
        _solvers.Set(key, prepared with { CacheHit = true });
        _failures.Remove(key);
        return prepared;
    }

    private async Task<ExtractedSolver> ExtractAsync(PlayerIdentity player, string source)
    {
        await _extractionSlots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _extractions);
            return await Task.Factory.StartNew(() => SolverExtractor.Extract(source), _stopping.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any extraction failure (not only the ones the extractor names) means this player cannot be solved.
            // A player we cannot solve is not kept: the next request downloads it again.
            TryDisk(() => _disk.Delete(player.CacheKey));
            _observer?.SolverFailed(player, "extract");
            var message = $"Failed to generate solvers from player script {player.Id} ({player.CacheKey}): {ex.Message}";
            _failures.Set(player.CacheKey, message);
            throw new SolverFailedException(message, player.Id, ex);
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
            try
            {
                var url = player.ToCanonicalUrl(_options.Urls);
                var source = await _fetcher.FetchAsync(player, url, status => _observer?.PlayerFetched(player, status), _stopping.Token).ConfigureAwait(false);
                // A cache that cannot be written (disk full, read-only) costs a later download, not this answer.
                TryDisk(() => _disk.Write(key, source));
                return source;
            }
            catch (PlayerFetchException ex)
            {
                _failures.Set(key, ex.Message);
                throw;
            }
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

    private string? StsOf(string key) => _sts.TryGet(key, out var sts) ? sts : _preprocessed.TryGet(key, out var e) ? e.Sts : null;

    private static string Exports(bool sig, bool n) => (sig, n) switch
    {
        (true, true) => "sig, n",
        (true, false) => "sig",
        (false, true) => "n",
        _ => "none",
    };

    private static string? FindSts(string source)
    {
        var match = StsPattern().Match(source);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"(?:signatureTimestamp|sts)\s*:\s*(\d+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex StsPattern();
}
