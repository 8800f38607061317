namespace ActorPool.YouTube.Players;

/// <summary>
/// How a caller-supplied player URL is reduced to a <see cref="PlayerIdentity"/> and turned back into the URL the
/// server fetches. The properties mirror yt-cipher's environment variables of the same meaning.
/// </summary>
public sealed record PlayerUrlOptions
{
    /// <summary>The default base URL, <c>https://www.youtube.com</c>.</summary>
    public static readonly Uri DefaultBaseUrl = new("https://www.youtube.com", UriKind.Absolute);

    /// <summary>Options with every default: no overrides, regions kept, base URL <see cref="DefaultBaseUrl"/>.</summary>
    public static PlayerUrlOptions Default { get; } = new();

    /// <summary>
    /// Scheme and host (and optional path prefix) that canonical fetch URLs are built on. Default
    /// <c>https://www.youtube.com</c>; tests point it at a loopback server. Must be absolute http(s).
    /// </summary>
    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>
    /// yt-cipher's <c>OVERRIDE_PLAYER_ID</c>: when set, every request uses this player id instead of the one in its
    /// URL. Must be a valid id (8 hex digits, or a legacy <c>vfl…</c> id). Default: none.
    /// </summary>
    public string? OverridePlayerId { get; init; }

    /// <summary>
    /// yt-cipher's <c>OVERRIDE_PLAYER_VARIANT</c>: when set, every request uses this build instead of the one in its
    /// URL (yt-cipher deployments commonly force <see cref="PlayerVariant.Ias"/>). Default: none.
    /// </summary>
    public PlayerVariant? OverridePlayerVariant { get; init; }

    /// <summary>
    /// yt-cipher's <c>IGNORE_SCRIPT_REGION</c>: when <see langword="true"/>, the locale of the URL is dropped, so all
    /// regional copies of one player share one identity (and one cache entry) and are fetched as
    /// <see cref="DefaultRegion"/>. Default <see langword="false"/>.
    /// </summary>
    public bool IgnoreScriptRegion { get; init; }

    /// <summary>Locale used when an identity has none and its variant needs one. Default <c>en_US</c>.</summary>
    public string DefaultRegion { get; init; } = "en_US";

    /// <summary>
    /// Builds options from yt-cipher's environment variable values (<c>OVERRIDE_PLAYER_ID</c>,
    /// <c>OVERRIDE_PLAYER_VARIANT</c>, <c>IGNORE_SCRIPT_REGION</c>); null or blank values keep the defaults.
    /// </summary>
    /// <exception cref="ArgumentException">One or more values are invalid; the message names each of them.</exception>
    public static PlayerUrlOptions FromEnvironmentValues(string? overridePlayerId, string? overridePlayerVariant, string? ignoreScriptRegion)
    {
        var errors = new List<string>();
        string? id = null;
        if (!string.IsNullOrWhiteSpace(overridePlayerId))
        {
            id = overridePlayerId.Trim();
            if (!PlayerIdentity.IsValidId(id))
            {
                errors.Add($"OVERRIDE_PLAYER_ID = '{id}' is not a player id (8 hex digits, or a legacy vfl id)");
            }
        }

        PlayerVariant? variant = null;
        if (!string.IsNullOrWhiteSpace(overridePlayerVariant))
        {
            if (PlayerVariants.TryParse(overridePlayerVariant, out var parsed))
            {
                variant = parsed;
            }
            else
            {
                errors.Add($"OVERRIDE_PLAYER_VARIANT = '{overridePlayerVariant.Trim()}' is not one of {string.Join(", ", PlayerVariants.All.Select(v => v.Name()))}");
            }
        }

        var ignore = false;
        if (!string.IsNullOrWhiteSpace(ignoreScriptRegion))
        {
            switch (ignoreScriptRegion.Trim().ToUpperInvariant())
            {
                case "1" or "TRUE" or "YES" or "ON":
                    ignore = true;
                    break;
                case "0" or "FALSE" or "NO" or "OFF":
                    break;
                default:
                    errors.Add($"IGNORE_SCRIPT_REGION = '{ignoreScriptRegion.Trim()}' is not a boolean (true/false)");
                    break;
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid player URL configuration: " + string.Join("; ", errors));
        }

        return new PlayerUrlOptions { OverridePlayerId = id, OverridePlayerVariant = variant, IgnoreScriptRegion = ignore };
    }
}
