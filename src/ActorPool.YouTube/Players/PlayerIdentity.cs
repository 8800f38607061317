using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ActorPool.YouTube.Players;

/// <summary>
/// What identifies a player script: its id, its build (<see cref="PlayerVariant"/>) and its locale. A caller's
/// player URL is reduced to this, and the fetch URL is rebuilt from it (<see cref="ToCanonicalUrl(PlayerUrlOptions)"/>), so the server
/// never fetches a URL a caller wrote.
/// </summary>
/// <param name="Id">8 lowercase hex digits (2019 and later) or a legacy <c>vfl…</c> id (2014–2017).</param>
/// <param name="Variant">The build of the script.</param>
/// <param name="Region">Locale such as <c>en_US</c>, or <see langword="null"/> when the URL had none (TV builds)
/// or the region is ignored.</param>
public sealed partial record PlayerIdentity(string Id, PlayerVariant Variant, string? Region)
{
    private const int MaxUrlLength = 2048;

    private static readonly string[] AllowedHosts =
    [
        "www.youtube.com", "youtube.com", "m.youtube.com", "music.youtube.com", "tv.youtube.com",
        "www.youtube-nocookie.com", "s.ytimg.com",
    ];

    /// <summary>Whether the id is a legacy <c>vfl…</c> id (players from before 2018).</summary>
    public bool IsLegacy => Id.StartsWith("vfl", StringComparison.Ordinal);

    /// <summary>
    /// A stable key for caches: <c>{id}-{VARIANT}-{region}</c>, or <c>{id}-{VARIANT}</c> without a region.
    /// Safe as a file name.
    /// </summary>
    public string CacheKey => Region is null ? $"{Id}-{Variant.Name()}" : $"{Id}-{Variant.Name()}-{Region}";

    /// <summary>Whether <paramref name="id"/> is a valid player id (8 hex digits or a legacy <c>vfl</c> id).</summary>
    public static bool IsValidId([NotNullWhen(true)] string? id) =>
        id is not null && (ModernId().IsMatch(id) || LegacyId().IsMatch(id));

    /// <summary>Whether <paramref name="region"/> is a locale such as <c>en_US</c>, <c>es_419</c> or <c>sr_Latn_RS</c>:
    /// 1 to 32 letters, digits and underscores (yt-cipher accepts <c>[a-zA-Z_]+</c>; digits are added for
    /// <c>es_419</c>, the bound keeps cache keys short).</summary>
    internal static bool IsValidRegion(string region) => RegionPattern().IsMatch(region);

    /// <summary>Parses a player URL (absolute <c>https://www.youtube.com/s/player/…</c>, protocol-relative
    /// <c>//www.youtube.com/s/player/…</c> or relative <c>/s/player/…</c>, or a 2014–2017 <c>/yts/jsbin/…</c> URL)
    /// into an identity.</summary>
    /// <exception cref="PlayerScriptException">The URL is not a known player URL; the message says why.</exception>
    public static PlayerIdentity Parse(string? playerUrl)
    {
        if (TryParse(playerUrl, out var identity, out var error))
        {
            return identity;
        }

        throw new PlayerScriptException(error);
    }

    /// <summary>Parses a player URL, then applies <paramref name="options"/> (overrides, region).</summary>
    /// <exception cref="PlayerScriptException">The URL is not a known player URL; the message says why.</exception>
    public static PlayerIdentity Parse(string? playerUrl, PlayerUrlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Parse(playerUrl).WithOptions(options);
    }

    /// <summary>Parses a player URL without throwing.</summary>
    /// <param name="playerUrl">The URL or path.</param>
    /// <param name="identity">The identity, when the URL is valid.</param>
    /// <param name="error">Why the URL is invalid, when it is.</param>
    /// <returns><see langword="true"/> when the URL is a known player URL.</returns>
    public static bool TryParse(string? playerUrl, [NotNullWhen(true)] out PlayerIdentity? identity, [NotNullWhen(false)] out string? error)
    {
        identity = null;
        if (string.IsNullOrWhiteSpace(playerUrl))
        {
            error = "player_url is empty";
            return false;
        }

        if (playerUrl.Length > MaxUrlLength)
        {
            error = $"player_url is longer than {MaxUrlLength} characters";
            return false;
        }

        var text = playerUrl.Trim();

        // A protocol-relative URL (//www.youtube.com/s/player/…) is read as https, as YouTube clients resolve it
        // (Lavalink youtube-source's CipherUtils does the same); the host is checked like any absolute URL's.
        var absolute = text.StartsWith("//", StringComparison.Ordinal) ? "https:" + text : text;
        string path;
        if (absolute.StartsWith('/'))
        {
            path = StripQuery(absolute);
        }
        else if (Uri.TryCreate(absolute, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            if (!AllowedHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
            {
                error = $"player_url host '{uri.Host}' is not a YouTube host";
                return false;
            }

            path = uri.AbsolutePath;
        }
        else
        {
            error = $"player_url '{Shorten(text)}' is neither an http(s) URL nor a path starting with /s/player/";
            return false;
        }

        return TryParsePath(path, out identity, out error, Shorten(text));
    }

    /// <summary>Applies overrides and the region option: <see cref="PlayerUrlOptions.OverridePlayerId"/>,
    /// <see cref="PlayerUrlOptions.OverridePlayerVariant"/>, <see cref="PlayerUrlOptions.IgnoreScriptRegion"/>.</summary>
    /// <exception cref="PlayerScriptException">The override id is not a valid id.</exception>
    public PlayerIdentity WithOptions(PlayerUrlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = this;
        if (options.OverridePlayerId is { } id)
        {
            result = result.WithId(id);
        }

        if (options.OverridePlayerVariant is { } variant)
        {
            result = result with { Variant = variant };
        }

        if (options.IgnoreScriptRegion)
        {
            result = result with { Region = null };
        }

        return result;
    }

    /// <summary>The same player build and region with another id.</summary>
    /// <exception cref="PlayerScriptException"><paramref name="id"/> is not a valid id.</exception>
    public PlayerIdentity WithId(string id)
    {
        if (!IsValidId(id))
        {
            throw new PlayerScriptException($"player id '{Shorten(id ?? string.Empty)}' is not 8 hex digits or a legacy vfl id");
        }

        return this with { Id = id };
    }

    /// <summary>
    /// The URL to fetch this player from, built only from the identity on <see cref="PlayerUrlOptions.BaseUrl"/>
    /// (default <c>https://www.youtube.com</c>). A missing region is filled with <c>en_US</c> for the builds that
    /// need one.
    /// </summary>
    public Uri ToCanonicalUrl(Uri? baseUrl = null, string defaultRegion = "en_US")
    {
        var root = baseUrl ?? PlayerUrlOptions.DefaultBaseUrl;
        if (!root.IsAbsoluteUri || (root.Scheme != Uri.UriSchemeHttps && root.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"base URL '{root}' must be an absolute http(s) URL", nameof(baseUrl));
        }

        return new Uri(root.GetLeftPart(UriPartial.Path).TrimEnd('/') + CanonicalPath(defaultRegion), UriKind.Absolute);
    }

    /// <summary>The canonical fetch URL on the options' base URL and default region.</summary>
    public Uri ToCanonicalUrl(PlayerUrlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ToCanonicalUrl(options.BaseUrl, options.DefaultRegion);
    }

    /// <summary>The canonical path (starting with <c>/</c>), e.g. <c>/s/player/4918c89a/player_ias.vflset/en_US/base.js</c>.</summary>
    public string CanonicalPath(string defaultRegion = "en_US")
    {
        var r = Region ?? defaultRegion;
        if (!RegionPattern().IsMatch(r))
        {
            throw new ArgumentException($"region '{Shorten(r)}' is not a locale such as en_US", nameof(defaultRegion));
        }

        if (IsLegacy)
        {
            return Variant switch
            {
                PlayerVariant.LegacyHtml5 => $"/yts/jsbin/html5player-{r}-{Id}/html5player.js",
                PlayerVariant.LegacyPlayer => $"/yts/jsbin/player-{Id}/{r}/base.js",
                _ => $"/yts/jsbin/{VflsetPrefix(Variant)}-{Id}/{r}/base.js",
            };
        }

        return Variant switch
        {
            PlayerVariant.Tv => $"/s/player/{Id}/tv-player-ias.vflset/tv-player-ias.js",
            PlayerVariant.TvEs6 => $"/s/player/{Id}/tv-player-es6.vflset/tv-player-es6.js",
            PlayerVariant.Phone => $"/s/player/{Id}/player-plasma-ias-phone-{r}.vflset/base.js",

            // The embed builds carry no signature or n functions; yt-cipher fetches the desktop build of the same
            // id and region instead (ES6 for the ES6 embed), and so does this gateway (docs/gateway.md).
            PlayerVariant.Embed => $"/s/player/{Id}/player_ias.vflset/{r}/base.js",
            PlayerVariant.EmbedEs6 => $"/s/player/{Id}/player_es6.vflset/{r}/base.js",
            PlayerVariant.LegacyHtml5 or PlayerVariant.LegacyPlayer => $"/s/player/{Id}/player_ias.vflset/{r}/base.js",
            _ => $"/s/player/{Id}/{VflsetPrefix(Variant)}.vflset/{r}/base.js",
        };
    }

    private static string VflsetPrefix(PlayerVariant variant) => variant switch
    {
        PlayerVariant.Ias => "player_ias",
        PlayerVariant.IasTcc => "player_ias_tcc",
        PlayerVariant.IasTce => "player_ias_tce",
        PlayerVariant.Es5 => "player_es5",
        PlayerVariant.Es6 => "player_es6",
        PlayerVariant.Es6Tcc => "player_es6_tcc",
        PlayerVariant.Es6Tce => "player_es6_tce",
        PlayerVariant.House => "house_brand_player",
        _ => "player_ias",
    };

    private static bool TryParsePath(string path, [NotNullWhen(true)] out PlayerIdentity? identity, [NotNullWhen(false)] out string? error, string shown)
    {
        identity = null;
        var modern = ModernPath().Match(path);
        if (modern.Success)
        {
            var id = modern.Groups["id"].Value;
            if (!IsValidId(id))
            {
                error = $"player id '{Shorten(id)}' in '{shown}' is not 8 hex digits";
                return false;
            }

            var rest = modern.Groups["rest"].Value;
            foreach (var (variant, pattern) in ModernShapes)
            {
                var m = pattern.Match(rest);
                if (m.Success)
                {
                    var region = m.Groups["region"].Success ? m.Groups["region"].Value : null;
                    identity = new PlayerIdentity(id, variant, region);
                    error = null;
                    return true;
                }
            }

            error = $"unknown player variant '{Shorten(rest)}' in '{shown}'";
            return false;
        }

        foreach (var (variant, pattern) in LegacyShapes)
        {
            var m = pattern.Match(path);
            if (m.Success)
            {
                identity = new PlayerIdentity(m.Groups["id"].Value, variant, m.Groups["region"].Value);
                error = null;
                return true;
            }
        }

        error = $"'{shown}' is not a player script URL (expected /s/player/<id>/<variant path>)";
        return false;
    }

    private static readonly (PlayerVariant Variant, Regex Pattern)[] ModernShapes =
    [
        (PlayerVariant.Ias, Shape(@"player_ias\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.IasTcc, Shape(@"player_ias_tcc\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.IasTce, Shape(@"player_ias_tce\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.Es5, Shape(@"player_es5\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.Es6, Shape(@"player_es6\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.Es6Tcc, Shape(@"player_es6_tcc\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.Es6Tce, Shape(@"player_es6_tce\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.Tv, Shape(@"tv-player-ias\.vflset/tv-player-ias\.js")),
        (PlayerVariant.TvEs6, Shape(@"tv-player-es6\.vflset/tv-player-es6\.js")),
        (PlayerVariant.Phone, Shape(@"player-plasma-ias-phone-(?<region>R)\.vflset/base\.js")),
        (PlayerVariant.Embed, Shape(@"player_embed\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.EmbedEs6, Shape(@"player_embed_es6\.vflset/(?<region>R)/base\.js")),
        (PlayerVariant.House, Shape(@"house_brand_player\.vflset/(?<region>R)/base\.js")),
    ];

    private static readonly (PlayerVariant Variant, Regex Pattern)[] LegacyShapes =
    [
        (PlayerVariant.LegacyHtml5, Shape(@"/yts/jsbin/html5player-(?<region>R)-(?<id>V)(?:\.js|/html5player\.js)")),
        (PlayerVariant.LegacyPlayer, Shape(@"/yts/jsbin/player-(?<region>R)-(?<id>V)/base\.js")),
        (PlayerVariant.LegacyPlayer, Shape(@"/yts/jsbin/player-(?<id>V)/(?<region>R)/base\.js")),
        (PlayerVariant.Ias, Shape(@"/yts/jsbin/player_ias-(?<id>V)/(?<region>R)/base\.js")),
    ];

    // R: a locale (letters, digits and underscores, e.g. en_US, es_419, sr_Latn_RS); V: a legacy id.
    // Non-backtracking: matching is linear in the path's length whatever the input, so no match timeout is needed.
    // (A 100 ms timeout here failed a valid player URL on a loaded machine: a wall-clock limit, not a work limit.)
    private static Regex Shape(string pattern) => new(
        "^" + pattern.Replace("(?<region>R)", "(?<region>" + RegionChars + ")", StringComparison.Ordinal)
            .Replace("(?<id>V)", "(?<id>vfl[A-Za-z0-9_-]{6})", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.NonBacktracking,
        Regex.InfiniteMatchTimeout);

    private static string StripQuery(string path)
    {
        var cut = path.IndexOfAny(['?', '#']);
        return cut < 0 ? path : path[..cut];
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

    [GeneratedRegex("^/s/player/(?<id>[^/]+)/(?<rest>.+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ModernPath();

    [GeneratedRegex("^[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModernId();

    [GeneratedRegex("^vfl[A-Za-z0-9_-]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyId();

    private const string RegionChars = "[A-Za-z0-9_]{1,32}";

    [GeneratedRegex("^" + RegionChars + "$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
