using System.Text.Json;
using System.Text.Json.Serialization;
using ActorPool.YouTube.Players;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>The shared YouTube fixtures (read-only) beside the repository: ../shared/fixtures/youtube.</summary>
public static class YouTubeFixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly Lazy<IReadOnlyList<PlayerVector>> AllVectors = new(() =>
        JsonSerializer.Deserialize<List<PlayerVector>>(File.ReadAllText(Path.Combine(Root.Value, "vectors.json")))
        ?? throw new InvalidDataException("vectors.json is empty"));

    public static string Directory => Root.Value;

    public static IReadOnlyList<PlayerVector> Vectors => AllVectors.Value;

    /// <summary>The newest fixture player (2026).</summary>
    public static PlayerVector Newest => Player("4918c89a");

    /// <summary>A small 2022 player: quick to extract, used by most endpoint tests.</summary>
    public static PlayerVector Small => Player("449ea0a5");

    public static PlayerVector Player(string id) => Vectors.Single(v => v.PlayerId == id);

    /// <summary>Canonical path (as the gateway fetches it) → fixture file.</summary>
    public static IReadOnlyDictionary<string, string> FilesByCanonicalPath() =>
        Vectors.ToDictionary(v => PlayerIdentity.Parse(v.PlayerUrl).CanonicalPath(), v => Path.Combine(Directory, v.File), StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorPool.sln")))
            {
                var fixtures = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "youtube"));
                return System.IO.Directory.Exists(fixtures)
                    ? fixtures
                    : throw new DirectoryNotFoundException($"the YouTube fixtures are missing: expected {fixtures} next to the repository");
            }
        }

        throw new DirectoryNotFoundException($"no ActorPool.sln above {AppContext.BaseDirectory}");
    }
}

public sealed record PlayerVector(
    [property: JsonPropertyName("player_id")] string PlayerId,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("player_url")] string PlayerUrl,
    [property: JsonPropertyName("sts")] int Sts,
    [property: JsonPropertyName("sig")] IReadOnlyList<ChallengeVector> Sig,
    [property: JsonPropertyName("n")] IReadOnlyList<ChallengeVector> N)
{
    /// <summary>The player URL as a path only (<c>/s/player/…</c> or <c>/yts/jsbin/…</c>).</summary>
    public string RelativeUrl => new Uri(PlayerUrl).AbsolutePath;

    public override string ToString() => PlayerId;
}

public sealed record ChallengeVector(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("origin")] string Origin);
