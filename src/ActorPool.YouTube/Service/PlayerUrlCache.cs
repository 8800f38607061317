using System.Collections.Concurrent;
using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Service;

/// <summary>
/// Player URLs already parsed, by their exact text: every warm request names one of a few players, so parsing the
/// URL (a <see cref="Uri"/> and regular expressions) is done once per URL, not once per request. Holds the identity
/// as the URL names it and as the service resolves it (<see cref="PlayerIdentity.WithOptions"/>); URLs that do not
/// parse are not kept.
/// </summary>
/// <remarks>Bounded: past <c>capacity</c> distinct URLs it starts over (callers that send endless distinct URLs pay
/// the parse, as without the cache; the memory stays bounded).</remarks>
internal sealed class PlayerUrlCache(int capacity, PlayerUrlOptions options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The resolved identity of <paramref name="playerUrl"/>.</summary>
    /// <exception cref="PlayerScriptException">The URL is not a player URL.</exception>
    public PlayerIdentity Resolve(string? playerUrl) =>
        playerUrl is not null && _entries.TryGetValue(playerUrl, out var known)
            ? known.Resolved
            : Add(playerUrl!, PlayerIdentity.Parse(playerUrl)).Resolved;

    /// <summary>The identity as <paramref name="playerUrl"/> names it (no overrides applied), or null when it does not parse.</summary>
    public PlayerIdentity? TryNamed(string? playerUrl)
    {
        if (playerUrl is null)
        {
            return null;
        }

        if (_entries.TryGetValue(playerUrl, out var known))
        {
            return known.Named;
        }

        return PlayerIdentity.TryParse(playerUrl, out var identity, out _) ? Add(playerUrl, identity).Named : null;
    }

    private Entry Add(string playerUrl, PlayerIdentity named)
    {
        var entry = new Entry(named, named.WithOptions(options));
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        _entries[playerUrl] = entry;
        return entry;
    }

    private sealed record Entry(PlayerIdentity Named, PlayerIdentity Resolved);
}
