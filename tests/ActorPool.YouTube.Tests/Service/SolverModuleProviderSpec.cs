using System.Net;
using ActorPool.Modules;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;

namespace ActorPool.YouTube.Tests.Service;

/// <summary>The module provider: names that carry a player key, builds on demand, bounded, evictions reach the catalog.</summary>
public sealed class SolverModuleProviderSpec : IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "actorpool-yt-provider-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    [Theory]
    [InlineData("https://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_GB/base.js", SolverModuleKind.Lean)]
    [InlineData("https://www.youtube.com/s/player/449ea0a5/player_ias.vflset/en_US/base.js", SolverModuleKind.Full)]
    [InlineData("https://www.youtube.com/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js", SolverModuleKind.Sts)]
    public void A_module_name_should_carry_the_player_key_and_read_back(string url, SolverModuleKind kind)
    {
        var player = PlayerIdentity.Parse(url);
        var name = SolverModuleProvider.ModuleName(kind, player);

        Assert.True(ModuleNames.IsValid(name), name);
        Assert.True(SolverModuleProvider.TryParse(name, out var parsedKind, out var parsed));
        Assert.Equal(kind, parsedKind);
        Assert.Equal(player, parsed);
    }

    [Theory]
    [InlineData("transform")]
    [InlineData("youtube$lean$4918c89a$IAS")]
    [InlineData("youtube$blob$4918c89a$IAS$en_US")]
    [InlineData("youtube$lean$4918c89z$IAS$en_US")]
    [InlineData("youtube$lean$4918c89a$NOPE$en_US")]
    [InlineData("youtube$lean$4918c89a$IAS$en_US_far_too_long_for_any_locale_x")]
    public void Other_names_should_not_be_answered_and_fetch_nothing(string name)
    {
        var handler = new FixtureHandler();
        using var provider = new SolverModuleProvider(new YouTubeServiceOptions { CacheDirectory = _cache }, handler: handler);

        Assert.Null(provider.Find(name));
        Assert.Equal(0, handler.Requests);
    }

    [Fact]
    public void A_player_that_cannot_be_fetched_should_be_a_missing_module_naming_the_upstream_failure()
    {
        using var provider = new SolverModuleProvider(new YouTubeServiceOptions { CacheDirectory = _cache }, handler: new FixtureHandler());
        var name = SolverModuleProvider.ModuleName(SolverModuleKind.Lean, PlayerIdentity.Parse("https://www.youtube.com/s/player/0badf00d/player_ias.vflset/en_US/base.js"));

        var error = Assert.Throws<ModuleLoadException>(() => provider.Find(name));

        Assert.Equal(ModuleLoadFailure.NotFound, error.Failure);
        Assert.StartsWith(SolverModuleProvider.UpstreamFailure, error.Message, StringComparison.Ordinal);
        Assert.Contains("0badf00d", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Modules_dropped_from_the_bounded_cache_should_leave_the_catalog()
    {
        var handler = new FixtureHandler();
        using var provider = new SolverModuleProvider(new YouTubeServiceOptions { CacheDirectory = _cache, SolverCacheSize = 1 }, handler: handler);
        var catalog = new ModuleCatalog(provider);
        var first = SolverModuleProvider.ModuleName(SolverModuleKind.Lean, PlayerIdentity.Parse(Fixtures.Player("449ea0a5").PlayerUrl));
        var second = SolverModuleProvider.ModuleName(SolverModuleKind.Lean, PlayerIdentity.Parse(Fixtures.Player("2dfe380c").PlayerUrl));

        catalog.Get(first);
        Assert.Equal(1, catalog.Count);
        catalog.Get(second);

        Assert.Equal(1, catalog.Count);
        Assert.Equal(1, provider.SolverModules);
        // The first comes back on demand: from the disk cache, no second download.
        catalog.Get(first);
        Assert.Equal(2, handler.Requests);
        Assert.Equal(1, provider.DiskHits);
    }

    /// <summary>Serves the fixture players at their canonical paths, 404 for anything else; counts requests.</summary>
    private sealed class FixtureHandler : HttpMessageHandler
    {
        private static readonly Dictionary<string, string> Files = Fixtures.Vectors.ToDictionary(
            v => PlayerIdentity.Parse(v.PlayerUrl).CanonicalPath(), v => Path.Combine(Fixtures.Directory, v.File), StringComparer.Ordinal);

        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(Files.TryGetValue(request.RequestUri!.AbsolutePath, out var file)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(File.ReadAllText(file)) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }
}
