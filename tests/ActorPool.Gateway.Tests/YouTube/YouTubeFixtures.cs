using ActorPool.YouTube.Players;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>The shared YouTube fixtures (tests/Shared/YouTubeVectors.cs), with the players the gateway specs pick.</summary>
public static class YouTubeFixtures
{
    public static string Directory => YouTubeVectors.Directory;

    public static IReadOnlyList<PlayerVector> Vectors => YouTubeVectors.Vectors;

    /// <summary>The newest fixture player (2026).</summary>
    public static PlayerVector Newest => Player("4918c89a");

    /// <summary>A small 2022 player: quick to extract, used by most endpoint tests.</summary>
    public static PlayerVector Small => Player("449ea0a5");

    public static PlayerVector Player(string id) => YouTubeVectors.Player(id);

    /// <summary>Canonical path (as the gateway fetches it) → fixture file.</summary>
    public static IReadOnlyDictionary<string, string> FilesByCanonicalPath() =>
        Vectors.ToDictionary(v => PlayerIdentity.Parse(v.PlayerUrl).CanonicalPath(), v => Path.Combine(Directory, v.File), StringComparer.Ordinal);
}
