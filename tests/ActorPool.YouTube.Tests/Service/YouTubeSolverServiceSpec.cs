using System.Net;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.YouTube.Tests.Service;

/// <summary>The service on a real pool, with every pool call counted: one task per request at most, memo and maps.</summary>
public sealed class YouTubeSolverServiceSpec : IAsyncLifetime, IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "actorpool-yt-svc-" + Guid.NewGuid().ToString("N"));
    private ActorSystem _system = null!;
    private ScriptPool _pool = null!;
    private CountingPool _counting = null!;
    private YouTubeSolverService _service = null!;
    private SolverModuleProvider _provider = null!;

    public Task InitializeAsync()
    {
        _provider = new SolverModuleProvider(new YouTubeServiceOptions { CacheDirectory = _cache }, handler: new FixtureHandler());
        _system = ActorSystem.Create("yt-svc", ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING"));
        _pool = ScriptPool.Start(_system, _provider, PoolSettings.Default with { Workers = 2 });
        _counting = new CountingPool(_pool);
        _service = new YouTubeSolverService(_counting, new YouTubeServiceOptions { CacheDirectory = _cache }, localProvider: _provider);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _service.Dispose();
        _provider.Dispose();
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        await _system.Terminate();
        _system.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task Sig_and_n_together_should_cost_one_pool_task_and_a_repeat_none()
    {
        var vector = Fixtures.Player("4918c89a");
        var player = _service.Identify(vector.PlayerUrl);

        var first = await _service.DecryptAsync(player, vector.Sig[0].Input, vector.N[0].Input);
        Assert.Equal((vector.Sig[0].Output, vector.N[0].Output), (first.Signature, first.N));
        // Preparing the player is one task (the module's self-check where it runs), the request one more.
        Assert.Equal(1, _counting.Solves);
        Assert.Equal(2, (await _pool.GetStatsAsync()).Succeeded);

        // The same request again: the signature by its index map, n from the memo; no task.
        var again = await _service.DecryptAsync(player, vector.Sig[0].Input, vector.N[0].Input);
        Assert.Equal((vector.Sig[0].Output, vector.N[0].Output), (again.Signature, again.N));
        Assert.Equal(1, _counting.Solves);
        Assert.Equal(2, (await _pool.GetStatsAsync()).Succeeded);
        var stats = _service.Stats();
        Assert.Equal((2L, 1L, 1L), (stats.SolverTasks, stats.SignaturesReindexed, stats.NCacheHits));

        // A new n with a known signature length: one task for n only; the signature still needs no JavaScript.
        var third = await _service.DecryptAsync(player, vector.Sig[0].Input, vector.N[1].Input);
        Assert.Equal((vector.Sig[0].Output, vector.N[1].Output), (third.Signature, third.N));
        Assert.Equal(2, _counting.Solves);
        Assert.Equal(3, (await _pool.GetStatsAsync()).Succeeded);
        Assert.Equal(["check", "solve", "solve"], _counting.Functions);
    }

    [Fact]
    public async Task Every_fixture_vector_should_be_answered_right_through_the_fast_path_and_the_JavaScript_path()
    {
        foreach (var vector in Fixtures.Vectors)
        {
            var player = _service.Identify(vector.PlayerUrl);
            // Twice: the first round learns the maps (JavaScript), the second answers by reindexing and memo.
            for (var round = 0; round < 2; round++)
            {
                for (var i = 0; i < Math.Max(vector.Sig.Count, vector.N.Count); i++)
                {
                    var sig = vector.Sig.ElementAtOrDefault(i);
                    var n = vector.N.ElementAtOrDefault(i);
                    var answer = await _service.DecryptAsync(player, sig?.Input, n?.Input);
                    Assert.Equal(sig?.Output ?? "", answer.Signature);
                    Assert.Equal(n?.Output ?? "", answer.N);
                }
            }
        }

        var stats = _service.Stats();
        Assert.Equal(Fixtures.Vectors.Sum(v => v.Sig.Count), stats.SignaturesReindexed);
        Assert.Equal(Fixtures.Vectors.Sum(v => v.N.Count), stats.NCacheHits);
    }

    [Fact]
    public async Task Concurrent_requests_for_one_uncached_n_should_share_one_task()
    {
        var vector = Fixtures.Player("4918c89a");
        var player = _service.Identify(vector.PlayerUrl);
        await _service.GetSolverAsync(player);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _service.DecryptAsync(player, null, vector.N[0].Input)));

        Assert.All(answers, a => Assert.Equal(vector.N[0].Output, a.N));
        Assert.Equal(1, _counting.Solves);
    }

    [Fact]
    public async Task A_signature_transform_that_is_not_a_reindexing_should_run_JavaScript_for_every_request()
    {
        // The same service over a pool whose solve substitutes characters: the probes show it, no map is kept.
        var vector = Fixtures.Player("449ea0a5");
        var fake = new SubstitutingPool();
        using var service = new YouTubeSolverService(fake, new YouTubeServiceOptions { CacheDirectory = _cache });
        var player = service.Identify(vector.PlayerUrl);

        for (var i = 0; i < 3; i++)
        {
            var answer = await service.DecryptAsync(player, vector.Sig[0].Input, null);
            Assert.Equal(SubstitutingPool.Substitute(vector.Sig[0].Input), answer.Signature);
        }

        Assert.Equal(3, fake.Solves);
        Assert.Equal(0, service.Stats().SignaturesReindexed);
        Assert.Equal(1, service.Stats().SignatureMapEntries);
    }

    [Theory]
    [InlineData("🎉abc", null, "encrypted_signature")]
    [InlineData("abc<lone high>", null, "encrypted_signature")]
    [InlineData(null, "ab😀", "n_param")]
    [InlineData("AOq0QJ8wRAIg", "<lone low>n", "n_param")]
    public async Task A_signature_or_n_outside_the_BMP_should_be_refused_as_InvalidRequest_before_any_pool_task(string? sig, string? n, string field)
    {
        // Lone surrogates stay out of the test case names (xunit writes them as UTF-8).
        sig = sig?.Replace("<lone high>", "\ud800", StringComparison.Ordinal);
        n = n?.Replace("<lone low>", "\udc00", StringComparison.Ordinal);
        var player = _service.Identify(Fixtures.Player("4918c89a").PlayerUrl);

        var refused = await Assert.ThrowsAsync<SolverInputException>(() => _service.DecryptAsync(player, sig, n));

        Assert.Equal((FailureKind.InvalidRequest, field), (refused.Kind, refused.Field));
        Assert.Equal($"'{field}' holds a character outside the Basic Multilingual Plane; signatures and n values are ASCII", refused.Message);
        // Refused before the player was prepared or anything ran: no task at all.
        Assert.Empty(_counting.Functions);
        Assert.Equal(0, _service.Stats().SolverTasks);
    }

    [Fact]
    public async Task A_solver_answer_holding_a_lone_surrogate_should_be_a_SolverFailedException()
    {
        // What a solver gives back when it splits a surrogate pair: valid JSON, but no Unicode text.
        var vector = Fixtures.Player("449ea0a5");
        using var service = new YouTubeSolverService(new SplittingPool(), new YouTubeServiceOptions { CacheDirectory = _cache });
        var player = service.Identify(vector.PlayerUrl);

        var failed = await Assert.ThrowsAsync<SolverFailedException>(() => service.DecryptAsync(player, vector.Sig[0].Input, null));

        Assert.StartsWith("the sig solver of player 449ea0a5 returned ", failed.Message, StringComparison.Ordinal);
    }

    /// <summary>Serves the fixture players at their canonical paths, like YouTube.</summary>
    private sealed class FixtureHandler : HttpMessageHandler
    {
        private static readonly Dictionary<string, string> Files = Fixtures.Vectors.ToDictionary(
            v => PlayerIdentity.Parse(v.PlayerUrl).CanonicalPath(), v => Path.Combine(Fixtures.Directory, v.File), StringComparer.Ordinal);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Files.TryGetValue(request.RequestUri!.AbsolutePath, out var file)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(File.ReadAllText(file)) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
    }

    /// <summary>A pool facade that counts calls and passes them on.</summary>
    private sealed class CountingPool(IScriptPool inner) : IScriptPool
    {
        private int _solves;

        public int Solves => Volatile.Read(ref _solves);

        public List<string> Functions { get; } = [];

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
        {
            if (functionName == "solve")
            {
                Interlocked.Increment(ref _solves);
            }

            lock (Functions)
            {
                Functions.Add(functionName);
            }

            return inner.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken);
        }

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            RunAsync(moduleName, functionName, JsonSerializer.Serialize(args), deadline, cancellationToken);

        public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);
    }

    /// <summary>A pool whose <c>solve</c> answers a lone surrogate escape for every signature.</summary>
    private sealed class SplittingPool : IScriptPool
    {
        public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ScriptResult("t", functionName == "check"
                ? JsonSerializer.Serialize(new { sts = "19000", hasN = false, sig = "x", n = (string?)null })
                : """{"sig":["\ud83d","\ud83d","\ud83d"],"n":null}"""));

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            RunAsync(moduleName, functionName, JsonSerializer.Serialize(args), deadline, cancellationToken);

        public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>A pool whose <c>solve</c> answers each signature by a character substitution (not a reindexing).</summary>
    private sealed class SubstitutingPool : IScriptPool
    {
        private int _solves;

        public int Solves => Volatile.Read(ref _solves);

        public static string Substitute(string s) => new([.. s.Select(c => (char)(c + 1))]);

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
        {
            using var args = JsonDocument.Parse(argsJson);
            if (functionName == "check")
            {
                return Task.FromResult(new ScriptResult("t", JsonSerializer.Serialize(new { sts = "19000", hasN = false, sig = Substitute(args.RootElement[0].GetString()!), n = (string?)null })));
            }

            Assert.Equal("solve", functionName);
            Interlocked.Increment(ref _solves);
            var sigs = args.RootElement[0].EnumerateArray().Select(e => Substitute(e.GetString()!)).ToArray();
            return Task.FromResult(new ScriptResult("t", JsonSerializer.Serialize(new { sig = sigs, n = (string?)null })));
        }

        public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
            RunAsync(moduleName, functionName, JsonSerializer.Serialize(args), deadline, cancellationToken);

        public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
