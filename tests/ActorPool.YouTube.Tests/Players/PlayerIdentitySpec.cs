using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Tests.Players;

public sealed class PlayerIdentitySpec
{
    // Every variant's URL shape (path after /s/player/<id>/), its variant and region.
    public static TheoryData<string, PlayerVariant, string?> Shapes() => new()
    {
        { "player_ias.vflset/en_US/base.js", PlayerVariant.Ias, "en_US" },
        { "player_ias_tcc.vflset/en_US/base.js", PlayerVariant.IasTcc, "en_US" },
        { "player_ias_tce.vflset/de_DE/base.js", PlayerVariant.IasTce, "de_DE" },
        { "player_es5.vflset/en_US/base.js", PlayerVariant.Es5, "en_US" },
        { "player_es6.vflset/en_GB/base.js", PlayerVariant.Es6, "en_GB" },
        { "player_es6_tcc.vflset/en_US/base.js", PlayerVariant.Es6Tcc, "en_US" },
        { "player_es6_tce.vflset/es_419/base.js", PlayerVariant.Es6Tce, "es_419" },
        { "tv-player-ias.vflset/tv-player-ias.js", PlayerVariant.Tv, null },
        { "tv-player-es6.vflset/tv-player-es6.js", PlayerVariant.TvEs6, null },
        { "player-plasma-ias-phone-en_US.vflset/base.js", PlayerVariant.Phone, "en_US" },
        { "player_embed.vflset/fr_FR/base.js", PlayerVariant.Embed, "fr_FR" },
        { "player_embed_es6.vflset/pt_BR/base.js", PlayerVariant.EmbedEs6, "pt_BR" },
        { "house_brand_player.vflset/en_US/base.js", PlayerVariant.House, "en_US" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Absolute_url_of_every_variant_parses_and_round_trips_to_the_canonical_url(string shape, PlayerVariant variant, string? region)
    {
        var url = $"https://www.youtube.com/s/player/4918c89a/{shape}";

        var identity = PlayerIdentity.Parse(url);

        Assert.Equal(new PlayerIdentity("4918c89a", variant, region), identity);
        Assert.Equal("https://www.youtube.com" + PlayerFetchPathSpec.FetchPathOf($"/s/player/4918c89a/{shape}"), identity.ToCanonicalUrl().AbsoluteUri);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Relative_path_of_every_variant_parses_to_the_same_identity(string shape, PlayerVariant variant, string? region)
    {
        var identity = PlayerIdentity.Parse($"/s/player/0123abcd/{shape}");

        Assert.Equal(new PlayerIdentity("0123abcd", variant, region), identity);
        Assert.Equal("https://www.youtube.com" + PlayerFetchPathSpec.FetchPathOf($"/s/player/0123abcd/{shape}"), identity.ToCanonicalUrl().AbsoluteUri);
    }

    [Fact]
    public void Every_variant_has_a_tested_url_shape()
    {
        var tested = Shapes().Select(row => (PlayerVariant)row[1]).ToHashSet();
        var untested = PlayerVariants.All.Where(v => !tested.Contains(v) && v is not (PlayerVariant.LegacyHtml5 or PlayerVariant.LegacyPlayer)).ToList();

        Assert.True(untested.Count == 0, "variants without a URL shape test: " + string.Join(", ", untested));
    }

    [Theory]
    [InlineData("https://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_US/base.js?x=1#frag", "4918c89a", PlayerVariant.Ias, "en_US")]
    [InlineData("  /s/player/4918c89a/player_ias.vflset/en_GB/base.js  ", "4918c89a", PlayerVariant.Ias, "en_GB")]
    [InlineData("https://m.youtube.com/s/player/4918c89a/player-plasma-ias-phone-ja_JP.vflset/base.js", "4918c89a", PlayerVariant.Phone, "ja_JP")]
    [InlineData("http://youtube.com/s/player/4918c89a/tv-player-ias.vflset/tv-player-ias.js", "4918c89a", PlayerVariant.Tv, null)]
    [InlineData("//www.youtube.com/s/player/4918c89a/player_ias.vflset/en_US/base.js", "4918c89a", PlayerVariant.Ias, "en_US")]
    [InlineData("//www.youtube.com/s/player/4918c89a/player_ias.vflset/sr_Latn_RS/base.js", "4918c89a", PlayerVariant.Ias, "sr_Latn_RS")]
    [InlineData("/s/player/4918c89a/player-plasma-ias-phone-sr_Latn_RS.vflset/base.js", "4918c89a", PlayerVariant.Phone, "sr_Latn_RS")]
    [InlineData("/s/player/4918c89a/player_es6.vflset/zh_Hant_TW/base.js", "4918c89a", PlayerVariant.Es6, "zh_Hant_TW")]
    public void Query_fragment_blanks_and_other_youtube_hosts_do_not_change_the_identity(string url, string id, PlayerVariant variant, string? region) =>
        Assert.Equal(new PlayerIdentity(id, variant, region), PlayerIdentity.Parse(url));

    [Fact]
    public void Every_fixture_player_url_has_an_identity_that_round_trips()
    {
        foreach (var vector in Fixtures.Vectors)
        {
            var identity = PlayerIdentity.Parse(vector.PlayerUrl);

            Assert.Equal(vector.PlayerId, identity.Id);
            Assert.Equal(identity, PlayerIdentity.Parse(identity.ToCanonicalUrl().AbsoluteUri));
        }
    }

    [Theory]
    [InlineData("https://s.ytimg.com/yts/jsbin/html5player-en_US-vfl0Cbn9e.js", "vfl0Cbn9e", PlayerVariant.LegacyHtml5, "https://www.youtube.com/yts/jsbin/html5player-en_US-vfl0Cbn9e/html5player.js")]
    [InlineData("https://s.ytimg.com/yts/jsbin/html5player-en_US-vflbHLA_P/html5player.js", "vflbHLA_P", PlayerVariant.LegacyHtml5, "https://www.youtube.com/yts/jsbin/html5player-en_US-vflbHLA_P/html5player.js")]
    [InlineData("https://s.ytimg.com/yts/jsbin/player-en_US-vfljDEtYP/base.js", "vfljDEtYP", PlayerVariant.LegacyPlayer, "https://www.youtube.com/yts/jsbin/player-vfljDEtYP/en_US/base.js")]
    [InlineData("https://www.youtube.com/yts/jsbin/player-vfl8jhACg/en_US/base.js", "vfl8jhACg", PlayerVariant.LegacyPlayer, "https://www.youtube.com/yts/jsbin/player-vfl8jhACg/en_US/base.js")]
    [InlineData("https://www.youtube.com/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js", "vflJx-lDV", PlayerVariant.Ias, "https://www.youtube.com/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js")]
    [InlineData("/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js", "vflJx-lDV", PlayerVariant.Ias, "https://www.youtube.com/yts/jsbin/player_ias-vflJx-lDV/en_US/base.js")]
    public void Legacy_2014_to_2017_urls_have_an_identity_and_a_canonical_url(string url, string id, PlayerVariant variant, string canonical)
    {
        var identity = PlayerIdentity.Parse(url);

        Assert.Equal(id, identity.Id);
        Assert.Equal(variant, identity.Variant);
        Assert.True(identity.IsLegacy);
        Assert.Equal(canonical, identity.ToCanonicalUrl().AbsoluteUri);
    }

    [Fact]
    public void Canonical_url_is_built_on_the_configured_base_url_and_never_echoes_the_input()
    {
        var identity = PlayerIdentity.Parse("https://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_US/base.js?evil=1");
        var options = new PlayerUrlOptions { BaseUrl = new Uri("http://127.0.0.1:5123/") };

        Assert.Equal("http://127.0.0.1:5123/s/player/4918c89a/player_ias.vflset/en_US/base.js", identity.ToCanonicalUrl(options).AbsoluteUri);
    }

    [Fact]
    public void Override_id_and_variant_replace_those_of_the_url()
    {
        var options = new PlayerUrlOptions { OverridePlayerId = "deadbeef", OverridePlayerVariant = PlayerVariant.Ias };

        var identity = PlayerIdentity.Parse("/s/player/4918c89a/player_es6.vflset/fr_FR/base.js", options);

        Assert.Equal(new PlayerIdentity("deadbeef", PlayerVariant.Ias, "fr_FR"), identity);
        Assert.Equal("https://www.youtube.com/s/player/deadbeef/player_ias.vflset/fr_FR/base.js", identity.ToCanonicalUrl(options).AbsoluteUri);
    }

    [Fact]
    public void Ignoring_the_region_makes_regional_copies_one_identity_fetched_in_the_default_region()
    {
        var options = new PlayerUrlOptions { IgnoreScriptRegion = true };

        var gb = PlayerIdentity.Parse("/s/player/4918c89a/player_ias.vflset/en_GB/base.js", options);
        var de = PlayerIdentity.Parse("/s/player/4918c89a/player_ias.vflset/de_DE/base.js", options);

        Assert.Equal(gb, de);
        Assert.Equal(gb.CacheKey, de.CacheKey);
        Assert.Equal("https://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_US/base.js", gb.ToCanonicalUrl(options).AbsoluteUri);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("https://evil.example.com/s/player/4918c89a/player_ias.vflset/en_US/base.js", "not a YouTube host")]
    [InlineData("ftp://www.youtube.com/s/player/4918c89a/player_ias.vflset/en_US/base.js", "neither an http(s) URL")]
    [InlineData("//evil.example.com/s/player/4918c89a/player_ias.vflset/en_US/base.js", "not a YouTube host")]
    [InlineData("/s/player/4918c89a/player_ias.vflset/en-US/base.js", "unknown player variant")]
    [InlineData("/s/player/4918c89a/player_ias.vflset/abcdefghijklmnopqrstuvwxyz_0123456/base.js", "unknown player variant")]
    [InlineData("s/player/4918c89a/player_ias.vflset/en_US/base.js", "neither an http(s) URL")]
    [InlineData("/s/player/4918c89/player_ias.vflset/en_US/base.js", "not 8 hex digits")]
    [InlineData("/s/player/4918c89g/player_ias.vflset/en_US/base.js", "not 8 hex digits")]
    [InlineData("/s/player/../../etc/passwd/player_ias.vflset/en_US/base.js", "not 8 hex digits")]
    [InlineData("/s/player/4918c89a/player_xyz.vflset/en_US/base.js", "unknown player variant")]
    [InlineData("/s/player/4918c89a/player_ias.vflset/en_US/../base.js", "unknown player variant")]
    [InlineData("/s/player/4918c89a/player_ias.vflset/e%2F/base.js", "unknown player variant")]
    [InlineData("/s/player/4918c89a", "not a player script URL")]
    [InlineData("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "not a player script URL")]
    [InlineData("/yts/jsbin/html5player-en_US-vfl0C.js", "not a player script URL")]
    public void Invalid_player_urls_are_rejected_with_a_message_that_says_why(string? url, string reason)
    {
        var ex = Assert.Throws<PlayerScriptException>(() => PlayerIdentity.Parse(url));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_override_id_is_rejected()
    {
        var identity = PlayerIdentity.Parse("/s/player/4918c89a/player_ias.vflset/en_US/base.js");

        Assert.Throws<PlayerScriptException>(() => identity.WithId("nothex!!"));
    }

    [Fact]
    public void Environment_values_are_parsed_like_yt_cipher_and_every_bad_value_is_named()
    {
        var options = PlayerUrlOptions.FromEnvironmentValues("deadbeef", "tv_es6", "true");
        Assert.Equal("deadbeef", options.OverridePlayerId);
        Assert.Equal(PlayerVariant.TvEs6, options.OverridePlayerVariant);
        Assert.True(options.IgnoreScriptRegion);

        var ex = Assert.Throws<ArgumentException>(() => PlayerUrlOptions.FromEnvironmentValues("xyz", "NOPE", "maybe"));
        Assert.Contains("OVERRIDE_PLAYER_ID", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OVERRIDE_PLAYER_VARIANT", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IGNORE_SCRIPT_REGION", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variant_names_round_trip()
    {
        foreach (var variant in PlayerVariants.All)
        {
            Assert.True(PlayerVariants.TryParse(variant.Name(), out var parsed));
            Assert.Equal(variant, parsed);
        }
    }
}
