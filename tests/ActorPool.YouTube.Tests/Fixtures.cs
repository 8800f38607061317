namespace ActorPool.YouTube.Tests;

/// <summary>The shared YouTube fixtures (tests/Shared/YouTubeVectors.cs), as the solver specs read them.</summary>
internal static class Fixtures
{
    public static string Directory => YouTubeVectors.Directory;

    public static IReadOnlyList<PlayerVector> Vectors => YouTubeVectors.Vectors;

    public static PlayerVector Player(string playerId) => YouTubeVectors.Player(playerId);

    public static string ReadPlayer(PlayerVector vector) =>
        File.ReadAllText(Path.Combine(Directory, vector.File));
}
