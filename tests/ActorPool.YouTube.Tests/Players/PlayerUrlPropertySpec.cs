using ActorPool.YouTube.Players;
using CsCheck;

namespace ActorPool.YouTube.Tests.Players;

/// <summary>Properties of player URL parsing over generated URLs (CsCheck; a failure prints the seed to replay).</summary>
public sealed class PlayerUrlPropertySpec
{
    private static readonly string[] Hosts =
    [
        "www.youtube.com", "youtube.com", "m.youtube.com", "music.youtube.com", "tv.youtube.com", "www.youtube-nocookie.com", "s.ytimg.com",
    ];

    private static readonly Gen<string> ModernId = Gen.String[Gen.Char["0123456789abcdef"], 8, 8];

    private static readonly Gen<string> Region =
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric.Where(char.IsAsciiLetter), 2, 3], Gen.String[Gen.Char.AlphaNumeric, 2, 4], Gen.Bool)
            .Select((language, country, plain) => plain ? language : language + "_" + country);

    /// <summary>A served path of a modern build, written from YouTube's path conventions, with its expected identity.</summary>
    private static readonly Gen<(string Path, PlayerIdentity Identity)> ModernPlayer =
        Gen.Select(ModernId, Region, Gen.Int[0, 12]).Select((id, region, shape) => shape switch
        {
            0 => ($"/s/player/{id}/player_ias.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Ias, region)),
            1 => ($"/s/player/{id}/player_ias_tcc.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.IasTcc, region)),
            2 => ($"/s/player/{id}/player_ias_tce.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.IasTce, region)),
            3 => ($"/s/player/{id}/player_es5.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Es5, region)),
            4 => ($"/s/player/{id}/player_es6.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Es6, region)),
            5 => ($"/s/player/{id}/player_es6_tcc.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Es6Tcc, region)),
            6 => ($"/s/player/{id}/player_es6_tce.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Es6Tce, region)),
            7 => ($"/s/player/{id}/tv-player-ias.vflset/tv-player-ias.js", new PlayerIdentity(id, PlayerVariant.Tv, null)),
            8 => ($"/s/player/{id}/tv-player-es6.vflset/tv-player-es6.js", new PlayerIdentity(id, PlayerVariant.TvEs6, null)),
            9 => ($"/s/player/{id}/player-plasma-ias-phone-{region}.vflset/base.js", new PlayerIdentity(id, PlayerVariant.Phone, region)),
            10 => ($"/s/player/{id}/player_embed.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.Embed, region)),
            11 => ($"/s/player/{id}/player_embed_es6.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.EmbedEs6, region)),
            _ => ($"/s/player/{id}/house_brand_player.vflset/{region}/base.js", new PlayerIdentity(id, PlayerVariant.House, region)),
        });

    /// <summary>What may follow a path without changing the player: a query, a fragment, blanks around.</summary>
    private static readonly Gen<string> Suffix = Gen.OneOf<string>(string.Empty, "?x=1", "?a=b&c=%20#frag", "#t=10", "?");

    [Fact]
    public void A_served_path_parses_to_its_identity_relative_or_on_any_youtube_host_with_any_query() =>
        Gen.Select(ModernPlayer, Gen.Int[-1, Hosts.Length - 1], Suffix, Gen.Bool).Sample(
            (player, host, suffix, padded) =>
            {
                var url = (host < 0 ? player.Path : $"https://{Hosts[host]}{player.Path}") + suffix;
                var parsed = PlayerIdentity.Parse(padded ? $"  {url}\t" : url);
                Assert.Equal(player.Identity, parsed);
            },
            iter: 2000);

    [Fact]
    public void The_fetch_path_of_any_identity_parses_back_to_the_same_player_and_is_stable() =>
        ModernPlayer.Sample(
            player =>
            {
                var fetched = PlayerIdentity.Parse(player.Path).CanonicalPath();
                var again = PlayerIdentity.Parse(fetched);

                // Same id and region; the embed builds are fetched as their desktop build, every other one as itself.
                Assert.Equal(player.Identity.Id, again.Id);
                Assert.Equal(player.Identity.Region, again.Region);
                Assert.Equal(fetched, again.CanonicalPath());
                Assert.Equal(
                    player.Identity.Variant switch { PlayerVariant.Embed => PlayerVariant.Ias, PlayerVariant.EmbedEs6 => PlayerVariant.Es6, var v => v },
                    again.Variant);
            },
            iter: 2000);

    [Fact]
    public void Any_string_is_parsed_without_an_exception_and_a_success_is_a_known_player()
    {
        // Arbitrary text, and text made of the characters URLs are made of, around valid players.
        var anyText = Gen.String[Gen.Char, 0, 300];
        var urlish = Gen.String[Gen.Char["/:.?#%_-abcdefsplayerinjvfltbe0123456789AZ_US \t"], 0, 120];
        var mutated = Gen.Select(ModernPlayer, Gen.Int[0, 200], urlish).Select((p, at, insert) =>
            p.Path[..Math.Min(at, p.Path.Length)] + insert + p.Path[Math.Min(at, p.Path.Length)..]);
        Gen.OneOf(anyText, urlish, mutated).Sample(
            text =>
            {
                if (PlayerIdentity.TryParse(text, out var identity, out var error))
                {
                    Assert.True(PlayerIdentity.IsValidId(identity.Id), identity.ToString());
                    Assert.Null(error);
                    _ = identity.CanonicalPath();
                }
                else
                {
                    Assert.False(string.IsNullOrWhiteSpace(error));
                    Assert.Throws<PlayerScriptException>(() => PlayerIdentity.Parse(text));
                }
            },
            iter: 5000);
    }

    [Fact]
    public void A_host_that_is_not_youtube_is_refused_whatever_the_path() =>
        Gen.Select(ModernPlayer, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 1, 20], Gen.OneOf<string>(".com", ".example", ".youtube.com.evil.net", ""))
            .Sample(
                (player, name, tld) =>
                {
                    var host = name + tld;
                    if (Hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
                    {
                        return;
                    }

                    Assert.False(PlayerIdentity.TryParse($"https://{host}{player.Path}", out _, out var error));
                    Assert.Contains("not a YouTube host", error, StringComparison.Ordinal);
                },
                iter: 1000);
}
