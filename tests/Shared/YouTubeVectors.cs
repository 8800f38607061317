using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorPool.TestFixtures;

/// <summary>
/// The shared YouTube fixtures (read-only) beside the repository, ../shared/fixtures/youtube: the players and their
/// held-out vectors. Linked into every test project that reads them (one copy of the loader and the records).
/// </summary>
public static class YouTubeVectors
{
    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly Lazy<IReadOnlyList<PlayerVector>> AllVectors = new(() =>
        JsonSerializer.Deserialize<List<PlayerVector>>(File.ReadAllText(Path.Combine(Root.Value, "vectors.json")))
        ?? throw new InvalidDataException("vectors.json is empty"));

    /// <summary>The fixture directory.</summary>
    public static string Directory => Root.Value;

    /// <summary>Every player with its vectors.</summary>
    public static IReadOnlyList<PlayerVector> Vectors => AllVectors.Value;

    /// <summary>One player by id.</summary>
    public static PlayerVector Player(string id) => Vectors.Single(v => v.PlayerId == id);

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

/// <summary>One fixture player: its URL, timestamp and signature / n vectors.</summary>
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

/// <summary>One challenge and its expected answer.</summary>
public sealed record ChallengeVector(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("origin")] string Origin);
