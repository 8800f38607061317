using System.Text.Json;
using System.Text.RegularExpressions;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Solvers;

namespace ActorPool.YouTube.Service;

/// <summary>
/// The yt-cipher service without HTTP: reduces a player URL to an identity and answers <c>sig</c>/<c>n</c>/sts with
/// pool tasks on modules named by a key (see <see cref="SolverModuleProvider"/>). It sends only names and small
/// arguments, so the pool may be local or a cluster of worker nodes, each building its own modules.
/// </summary>
/// <remarks>
/// <para>Preparing a player is one pool task: the lean module's <c>check</c> export (which makes the node that runs it
/// fetch the player and build the module), under the pool's limits. A lean module that fails its check is replaced
/// by the full module (checked the same way). Concurrent first requests for one player share the preparation.</para>
/// <para>Kept here (small, per process): which module serves each player (solver cache), the sts per player, the
/// learnt signature index maps and the memoised n answers. Failures are not cached: the next request tries again.</para>
/// </remarks>
public sealed partial class YouTubeSolverService : IDisposable
{
    private const string SigProbe = "AOq0QJ8wRAIgXmPlOPSBkkUs1bYFYlJCfe29xx8j7v1pDL0QwbdV96sCIEzpWqMGkFR20CFOg51Tp-7vj_EMu-m37K2XJoOySqa0qaty";
    private const string NProbe = "oBo2h5euWy6osrUt";

    /// <summary>Distinct player URLs whose parse is kept (see <see cref="PlayerUrlCache"/>).</summary>
    private const int MaxCachedUrls = 1024;

    private readonly IScriptPool _pool;
    private readonly YouTubeServiceOptions _options;
    private readonly IYouTubeServiceObserver? _observer;
    private readonly SolverModuleProvider? _local;
    private readonly BoundedCache<PreparedSolver> _solvers;
    private readonly BoundedCache<string?> _sts;
    private readonly BoundedCache<string> _failures = new(32);
    private readonly SingleFlight<PreparedSolver> _preparations = new();
    private readonly SingleFlight<string?> _stsFlights = new();
    private readonly BoundedCache<SignatureMap?> _maps;
    private readonly BoundedCache<string> _nResults;
    private readonly SingleFlight<string> _nFlights = new();
    private readonly PlayerUrlCache _urls;
    private long _tasks;
    private long _nHits;
    private long _sigReindexed;

    /// <summary>Creates the service over a pool whose nodes run a <see cref="SolverModuleProvider"/> beside their pool.</summary>
    /// <param name="pool">The pool (local or a cluster router) that runs the solver modules.</param>
    /// <param name="options">Options; validated here.</param>
    /// <param name="observer">Optional event receiver (metrics).</param>
    /// <param name="localProvider">The provider beside a pool in this process, when there is one: its download and
    /// extraction counters and disk cache are reported in <see cref="Stats"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public YouTubeSolverService(IScriptPool pool, YouTubeServiceOptions options, IYouTubeServiceObserver? observer = null, SolverModuleProvider? localProvider = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _pool = pool;
        _options = options;
        _observer = observer;
        _local = localProvider;
        _solvers = new BoundedCache<PreparedSolver>(options.SolverCacheSize);
        _sts = new BoundedCache<string?>(options.StsCacheSize);
        _maps = new BoundedCache<SignatureMap?>(options.SignatureMapCacheSize);
        _nResults = new BoundedCache<string>(options.NCacheSize);
        _urls = new PlayerUrlCache(MaxCachedUrls, options.Urls);
    }

    /// <summary>The options in use.</summary>
    public YouTubeServiceOptions Options => _options;

    /// <summary>Reduces a caller's player URL to an identity with the configured overrides.</summary>
    /// <exception cref="PlayerScriptException">The URL is not a player URL.</exception>
    public PlayerIdentity Identify(string? playerUrl) => _urls.Resolve(playerUrl);

    /// <summary>
    /// The player as <paramref name="playerUrl"/> names it, before <c>OVERRIDE_PLAYER_*</c> and
    /// <c>IGNORE_SCRIPT_REGION</c> apply (metric labels), or null when it is not a player URL. Parsed once per URL.
    /// </summary>
    public PlayerIdentity? TryIdentifyAsNamed(string? playerUrl) => _urls.TryNamed(playerUrl);

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
    /// <exception cref="SolverInputException">The signature or n holds a character outside the Basic Multilingual Plane
    /// (an <see cref="FailureKind.InvalidRequest"/>, answered before the player is fetched or any task runs).</exception>
    /// <exception cref="ScriptPoolException">The pool refused or timed out the call.</exception>
    public async Task<DecryptResult> DecryptAsync(PlayerIdentity player, string? encryptedSignature, string? n, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        // Checked here, where every caller passes (gateway, hosts, cluster gateways), not at one HTTP entry.
        SolverInputException.ThrowIfNotSolvable("encrypted_signature", encryptedSignature);
        SolverInputException.ThrowIfNotSolvable("n_param", n);
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
    /// <exception cref="ScriptPoolException">The pool refused or timed out the call.</exception>
    public async Task<(string? Sts, bool CacheHit)> GetStsAsync(PlayerIdentity player, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(player);
        var key = player.CacheKey;
        if (_sts.TryGet(key, out var cached))
        {
            return (cached, true);
        }

        // The sts module is tiny (no extraction): the node that runs it fetches the player and reads the timestamp.
        var sts = await _stsFlights.RunAsync(key, async () =>
        {
            var result = await RunAsync(player, SolverModuleProvider.ModuleName(SolverModuleKind.Sts, player), "sts", "[]", "sts", CancellationToken.None).ConfigureAwait(false);
            using var json = JsonDocument.Parse(result);
            var value = json.RootElement.ValueKind == JsonValueKind.String ? json.RootElement.GetString() : null;
            _sts.Set(key, value);
            return value;
        }).WaitAsync(cancellationToken).ConfigureAwait(false);
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
        var args = SolveArgs(sigs, n);
        var stage = sigs.Count > 0 ? ExtractedSolver.SigExport : ExtractedSolver.NExport;
        var json = await RunAsync(solver.Player, solver.ModuleName, ExtractedSolver.SolveExport, args, stage, cancellationToken, deadline).ConfigureAwait(false);
        return ReadSolve(solver, sigs.Count, n is not null, json);
    }

    /// <summary>
    /// One pool task on a provider module, with the provider's failures translated: a player that cannot be fetched
    /// ⇒ <see cref="PlayerFetchException"/>; no solver ⇒ <see cref="SolverFailedException"/>; a failing call ⇒
    /// <see cref="SolverFailedException"/>. Pool conditions (overloaded, timeout, unavailable) stay <see cref="ScriptPoolException"/>.
    /// </summary>
    private async Task<string> RunAsync(PlayerIdentity player, string module, string function, string args, string stage, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        try
        {
            Interlocked.Increment(ref _tasks);
            return (await _pool.RunAsync(module, function, args, deadline, cancellationToken).ConfigureAwait(false)).Json;
        }
        catch (ScriptPoolException ex) when (After(ex.Message, SolverModuleProvider.UpstreamFailure) is { } message)
        {
            _failures.Set(player.CacheKey, message);
            throw new PlayerFetchException(message, player.Id, null, ex);
        }
        catch (ScriptPoolException ex) when (After(ex.Message, SolverModuleProvider.ExtractionFailure) is { } message)
        {
            _failures.Set(player.CacheKey, message);
            throw new SolverFailedException(message, player.Id, ex);
        }
        catch (ScriptPoolException ex) when (ex.Kind is FailureKind.ScriptError or FailureKind.LimitExceeded or FailureKind.WorkerCrashed or FailureKind.ModuleNotFound)
        {
            _observer?.SolverFailed(player, stage);
            throw new SolverFailedException($"the {stage} solver of player {player.Id} failed: {ex.Message}", player.Id, ex);
        }
    }

    private static string? After(string message, string marker)
    {
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : message[(at + marker.Length)..];
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
            sigs[i++] = Text(item) ?? throw Failed(ExtractedSolver.SigExport);
        }

        string? n = null;
        if (wantN)
        {
            n = (root.TryGetProperty("n", out var nValue) ? Text(nValue) : null) ?? throw Failed(ExtractedSolver.NExport);
        }

        return (sigs, n);

        // A string that is Unicode text; a lone surrogate escape (a solver that split a pair) is no answer either.
        static string? Text(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            try
            {
                return value.GetString();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        SolverFailedException Failed(string function)
        {
            _observer?.SolverFailed(solver.Player, function);
            return new SolverFailedException($"the {function} solver of player {solver.Player.Id} returned {Shorten(json)} instead of a string", solver.Player.Id);
        }
    }

    /// <summary>The JSON arguments of <c>solve(sigs, n)</c>; signatures and n are URL-safe text, so this rarely needs to escape.</summary>
    internal static string SolveArgs(List<string> sigs, string? n)
    {
        var json = new System.Text.StringBuilder(64);
        json.Append("[[");
        for (var i = 0; i < sigs.Count; i++)
        {
            AppendString(json.Append(i == 0 ? "" : ","), sigs[i]);
        }

        json.Append("],");
        if (n is null)
        {
            json.Append("null");
        }
        else
        {
            AppendString(json, n);
        }

        return json.Append(']').ToString();

        static void AppendString(System.Text.StringBuilder json, string value)
        {
            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7e || c is '"' or '\\')
                {
                    json.Append(JsonSerializer.Serialize(value));
                    return;
                }
            }

            json.Append('"').Append(value).Append('"');
        }
    }

    private static string MapKey(string playerKey, int length) => playerKey + "#" + length.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Players known to the service: preparing, ready, and recent failures.</summary>
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
                list.Add(new PlayerStatus(key, "ready", _sts.TryGet(key, out var sts) ? sts : null, Exports(solver.HasSig, solver.HasN)));
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

    /// <summary>Counters since start and cache sizes now (downloads, disk hits and extractions of this process's provider).</summary>
    public YouTubeServiceStats Stats() => new(
        _local?.Fetches ?? 0, _local?.DiskHits ?? 0, _local?.Extractions ?? 0,
        _local?.SolverModules ?? 0, _solvers.Count, _sts.Count,
        Interlocked.Read(ref _tasks), Interlocked.Read(ref _nHits), Interlocked.Read(ref _sigReindexed), _maps.Count, _nResults.Count);

    /// <summary>Players in this process's disk cache now (0 without a local provider).</summary>
    public int DiskEntries() => _local?.DiskEntries() ?? 0;

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing held but memory; the provider belongs to whoever created it.
    }

    private async Task<PreparedSolver> PrepareAsync(PlayerIdentity player)
    {
        var key = player.CacheKey;
        var lean = SolverModuleProvider.ModuleName(SolverModuleKind.Lean, player);
        var check = await CheckAsync(player, lean).ConfigureAwait(false);
        var module = lean;
        if (check is null)
        {
            // The lean module dropped something its transforms need: the full module keeps every declaration.
            module = SolverModuleProvider.ModuleName(SolverModuleKind.Full, player);
            check = await CheckAsync(player, module).ConfigureAwait(false)
                ?? throw Failed(player, $"Failed to generate solvers from player script {player.Id} ({key}): the solver module does not transform a probe signature and n");
        }

        var prepared = new PreparedSolver(player, module, HasSig: true, check.Value.HasN, CacheHit: false);
        _sts.Set(key, check.Value.Sts);
        _solvers.Set(key, prepared with { CacheHit = true });
        _failures.Remove(key);
        return prepared;
    }

    /// <summary>The module's self-check as one pool task; null when the module fails it (throws or answers no transform).</summary>
    private async Task<(string? Sts, bool HasN)?> CheckAsync(PlayerIdentity player, string module)
    {
        string json;
        try
        {
            json = await RunAsync(player, module, ExtractedSolver.CheckExport, JsonSerializer.Serialize(new[] { SigProbe, NProbe }), "check", CancellationToken.None).ConfigureAwait(false);
        }
        catch (SolverFailedException ex) when (ex.InnerException is ScriptPoolException { Kind: FailureKind.ScriptError or FailureKind.LimitExceeded } inner && After(inner.Message, SolverModuleProvider.ExtractionFailure) is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var hasN = root.TryGetProperty("hasN", out var hasNValue) && hasNValue.ValueKind == JsonValueKind.True;
        var sts = root.TryGetProperty("sts", out var stsValue) && stsValue.ValueKind == JsonValueKind.String ? stsValue.GetString() : null;
        var sigOk = root.TryGetProperty("sig", out var sig) && sig.ValueKind == JsonValueKind.String && sig.GetString() is { Length: > 0 } s && s != SigProbe;
        var nOk = !hasN || (root.TryGetProperty("n", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } t && t != NProbe);
        return sigOk && nOk ? (sts, hasN) : null;
    }

    private SolverFailedException Failed(PlayerIdentity player, string message)
    {
        _observer?.SolverFailed(player, "extract");
        _failures.Set(player.CacheKey, message);
        return new SolverFailedException(message, player.Id);
    }

    private static string Exports(bool sig, bool n) => (sig, n) switch
    {
        (true, true) => "sig, n",
        (true, false) => "sig",
        (false, true) => "n",
        _ => "none",
    };

    /// <summary>The <c>signatureTimestamp</c> stated in a player script, or null.</summary>
    internal static string? FindSts(string source)
    {
        var match = StsPattern().Match(source);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"(?:signatureTimestamp|sts)\s*:\s*(\d+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex StsPattern();
}
