using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Tests.Players;

/// <summary>
/// The URL each player build is fetched from, checked against a table written down from YouTube's own path
/// conventions (the paths YouTube serves, as yt-dlp's player variant map and yt-cipher's variant table name them),
/// not against this implementation's own round trip.
/// </summary>
public sealed class PlayerFetchPathSpec
{
    /// <summary>
    /// Served path ⇒ fetched path. Facts: every desktop, TV, phone and house build is fetched where it is served;
    /// the embed builds (<c>player_embed.vflset</c>, <c>player_embed_es6.vflset</c>) have no signature or n
    /// functions, so yt-cipher fetches the <c>player_ias</c> / <c>player_es6</c> build of the same id and region;
    /// the 2014–2017 <c>/yts/jsbin/</c> builds are fetched in their newest served shape.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Table = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/s/player/4918c89a/player_ias.vflset/en_US/base.js"] = "/s/player/4918c89a/player_ias.vflset/en_US/base.js",
        ["/s/player/4918c89a/player_ias_tcc.vflset/en_US/base.js"] = "/s/player/4918c89a/player_ias_tcc.vflset/en_US/base.js",
        ["/s/player/4918c89a/player_ias_tce.vflset/de_DE/base.js"] = "/s/player/4918c89a/player_ias_tce.vflset/de_DE/base.js",
        ["/s/player/4918c89a/player_es5.vflset/en_US/base.js"] = "/s/player/4918c89a/player_es5.vflset/en_US/base.js",
        ["/s/player/4918c89a/player_es6.vflset/en_GB/base.js"] = "/s/player/4918c89a/player_es6.vflset/en_GB/base.js",
        ["/s/player/4918c89a/player_es6_tcc.vflset/en_US/base.js"] = "/s/player/4918c89a/player_es6_tcc.vflset/en_US/base.js",
        ["/s/player/4918c89a/player_es6_tce.vflset/es_419/base.js"] = "/s/player/4918c89a/player_es6_tce.vflset/es_419/base.js",
        ["/s/player/4918c89a/tv-player-ias.vflset/tv-player-ias.js"] = "/s/player/4918c89a/tv-player-ias.vflset/tv-player-ias.js",
        ["/s/player/4918c89a/tv-player-es6.vflset/tv-player-es6.js"] = "/s/player/4918c89a/tv-player-es6.vflset/tv-player-es6.js",
        ["/s/player/4918c89a/player-plasma-ias-phone-en_US.vflset/base.js"] = "/s/player/4918c89a/player-plasma-ias-phone-en_US.vflset/base.js",
        ["/s/player/4918c89a/house_brand_player.vflset/en_US/base.js"] = "/s/player/4918c89a/house_brand_player.vflset/en_US/base.js",
        ["/s/player/4918c89a/player_embed.vflset/fr_FR/base.js"] = "/s/player/4918c89a/player_ias.vflset/fr_FR/base.js",
        ["/s/player/4918c89a/player_embed_es6.vflset/pt_BR/base.js"] = "/s/player/4918c89a/player_es6.vflset/pt_BR/base.js",
        ["/yts/jsbin/html5player-en_US-vfl0Cbn9e.js"] = "/yts/jsbin/html5player-en_US-vfl0Cbn9e/html5player.js",
        ["/yts/jsbin/html5player-en_US-vfl0Cbn9e/html5player.js"] = "/yts/jsbin/html5player-en_US-vfl0Cbn9e/html5player.js",
        ["/yts/jsbin/player-en_US-vfljDEtYP/base.js"] = "/yts/jsbin/player-vfljDEtYP/en_US/base.js",
        ["/yts/jsbin/player-vfljDEtYP/en_US/base.js"] = "/yts/jsbin/player-vfljDEtYP/en_US/base.js",
        ["/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js"] = "/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js",
    };

    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var (served, fetched) in Table)
        {
            rows.Add(served, fetched);
        }

        return rows;
    }

    /// <summary>The table's fetch path for a served path of any id (the id is swapped in).</summary>
    public static string FetchPathOf(string served)
    {
        var id = served.Split('/')[3];
        var key = Table.Keys.Single(k => k.Replace("4918c89a", id, StringComparison.Ordinal) == served);
        return Table[key].Replace("4918c89a", id, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_served_player_path_should_be_fetched_from_the_path_youtube_serves_that_build_at(string served, string fetched)
    {
        Assert.Equal(fetched, PlayerIdentity.Parse(served).CanonicalPath());
        Assert.Equal("https://www.youtube.com" + fetched, PlayerIdentity.Parse("https://www.youtube.com" + served).ToCanonicalUrl().AbsoluteUri);
    }

    [Fact]
    public void The_table_should_cover_every_variant()
    {
        var covered = Table.Keys.Select(path => PlayerIdentity.Parse(path).Variant).ToHashSet();

        Assert.Equal(PlayerVariants.All.OrderBy(v => v), covered.OrderBy(v => v));
    }

    [Fact]
    public void An_embed_player_should_be_fetched_as_the_desktop_build_but_keep_its_own_cache_key()
    {
        var embed = PlayerIdentity.Parse("/s/player/4918c89a/player_embed.vflset/en_US/base.js");
        var desktop = PlayerIdentity.Parse("/s/player/4918c89a/player_ias.vflset/en_US/base.js");

        Assert.Equal(desktop.CanonicalPath(), embed.CanonicalPath());
        Assert.Equal("4918c89a-EMBED-en_US", embed.CacheKey);
    }
}
