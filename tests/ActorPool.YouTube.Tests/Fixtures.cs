using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorPool.YouTube.Tests;

/// <summary>The shared YouTube fixtures (read-only), found next to the repository: ../shared/fixtures/youtube.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly Lazy<IReadOnlyList<PlayerVector>> AllVectors = new(Load);

    public static string Directory => Root.Value;

    public static IReadOnlyList<PlayerVector> Vectors => AllVectors.Value;

    public static PlayerVector Player(string playerId) =>
        Vectors.Single(v => v.PlayerId == playerId);

    public static string ReadPlayer(PlayerVector vector) =>
        File.ReadAllText(Path.Combine(Directory, vector.File));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorPool.sln")))
            {
                var fixtures = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "youtube"));
                if (!System.IO.Directory.Exists(fixtures))
                {
                    throw new DirectoryNotFoundException($"the YouTube fixtures are missing: expected {fixtures} next to the repository");
                }

                return fixtures;
            }
        }

        throw new DirectoryNotFoundException($"no ActorPool.sln above {AppContext.BaseDirectory}");
    }

    private static List<PlayerVector> Load() =>
        JsonSerializer.Deserialize<List<PlayerVector>>(File.ReadAllText(Path.Combine(Directory, "vectors.json")))
        ?? throw new InvalidDataException("vectors.json is empty");
}

internal sealed record PlayerVector(
    [property: JsonPropertyName("player_id")] string PlayerId,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("player_url")] string PlayerUrl,
    [property: JsonPropertyName("sts")] int Sts,
    [property: JsonPropertyName("sig")] IReadOnlyList<ChallengeVector> Sig,
    [property: JsonPropertyName("n")] IReadOnlyList<ChallengeVector> N);

internal sealed record ChallengeVector(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("origin")] string Origin);
