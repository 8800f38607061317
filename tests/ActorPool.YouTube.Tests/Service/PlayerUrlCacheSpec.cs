using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;

namespace ActorPool.YouTube.Tests.Service;

/// <summary>Player URLs parsed once: the cache answers what a fresh parse answers, and never keeps a failure.</summary>
public sealed class PlayerUrlCacheSpec
{
    private const string Url = "https://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_GB/base.js";

    [Fact]
    public void PlayerUrlCache_should_resolve_like_a_fresh_parse_with_the_options_applied_every_time()
    {
        var options = new PlayerUrlOptions { OverridePlayerId = "449ea0a5", IgnoreScriptRegion = true };
        var cache = new PlayerUrlCache(4, options);

        var first = cache.Resolve(Url);
        var second = cache.Resolve(Url);

        Assert.Equal(PlayerIdentity.Parse(Url, options), first);
        Assert.Same(first, second);
        Assert.Equal("449ea0a5", second.Id);
    }

    [Fact]
    public void PlayerUrlCache_should_give_the_identity_as_named_without_the_overrides()
    {
        var cache = new PlayerUrlCache(4, new PlayerUrlOptions { OverridePlayerId = "449ea0a5" });

        _ = cache.Resolve(Url);

        Assert.Equal(PlayerIdentity.Parse(Url), cache.TryNamed(Url));
        Assert.Null(cache.TryNamed("https://example.com/not-a-player.js"));
        Assert.Null(cache.TryNamed(null));
    }

    [Fact]
    public void PlayerUrlCache_should_throw_for_a_bad_url_every_time_and_keep_nothing()
    {
        var cache = new PlayerUrlCache(4, PlayerUrlOptions.Default);

        Assert.Throws<PlayerScriptException>(() => cache.Resolve("nope"));
        Assert.Throws<PlayerScriptException>(() => cache.Resolve("nope"));
        Assert.Throws<PlayerScriptException>(() => cache.Resolve(null));
    }

    [Fact]
    public void PlayerUrlCache_should_stay_bounded_and_still_answer_past_its_capacity()
    {
        var cache = new PlayerUrlCache(2, PlayerUrlOptions.Default);
        var ids = new[] { "4918c89a", "449ea0a5", "2dfe380c", "4c3f79c5" };

        foreach (var id in ids)
        {
            var url = Url.Replace("4918c89a", id, StringComparison.Ordinal);
            Assert.Equal(id, cache.Resolve(url).Id);
        }

        Assert.Equal("4918c89a", cache.Resolve(Url).Id);
    }
}

/// <summary>The arguments of one <c>solve</c> task: the JSON a serializer would write, without one per request.</summary>
public sealed class SolveArgsSpec
{
    public static TheoryData<string[], string?> Inputs() => new()
    {
        { [], "oBo2h5euWy6osrUt" },
        { ["AOq0QJ8wRAIgXmPl-_="], null },
        { ["a", "b\"c", "d\\e"], "x\ny" },
        { ["é€", "\u0001"], "<script>" },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void SolveArgs_should_parse_back_to_the_same_signatures_and_n(string[] sigs, string? n)
    {
        var json = YouTubeSolverService.SolveArgs([.. sigs], n);

        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(sigs, root[0].EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(n, root[1].GetString());
    }

    [Fact]
    public void SolveArgs_should_write_url_safe_text_as_is()
    {
        Assert.Equal("[[\"ab-_=\"],\"xyz\"]", YouTubeSolverService.SolveArgs(["ab-_="], "xyz"));
        Assert.Equal("[[],null]", YouTubeSolverService.SolveArgs([], null));
    }
}
