namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// Lavalink youtube-source's remote cipher client (1.14 and 1.15+), replayed request for request
/// (<see cref="LavalinkRemoteCipher"/>), against a standalone gateway with <c>API_TOKEN</c> set: every fixture player,
/// every jsUrl form, sts and every vector; the client must never fail a track and must play the right URL.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class LavalinkClientContractSpec(LavalinkClientContractSpec.World world) : IClassFixture<LavalinkClientContractSpec.World>
{
    private const string Password = "lavalink-secret";

    public static TheoryData<LavalinkVersion> Versions() => [LavalinkVersion.V1_14, LavalinkVersion.V1_15];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Every_fixture_player_should_play_through_the_remote_cipher_client(LavalinkVersion version)
    {
        // The client's remote URL is configured with or without a trailing slash; it never doubles it.
        var remote = world.Gateway.Client.BaseAddress!.ToString();
        remote = version == LavalinkVersion.V1_14 ? remote.TrimEnd('/') : remote;

        var failures = await LavalinkContract.RunAsync(world.Gateway.Client, remote, Password, version, YouTubeFixtures.Vectors);

        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join('\n', failures.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_wrong_password_should_fail_the_track_as_the_client_judges_it(LavalinkVersion version)
    {
        var failures = await LavalinkContract.RunAsync(world.Gateway.Client, world.Gateway.Client.BaseAddress!.ToString(), "wrong", version, [YouTubeFixtures.Small], ["relative"]);

        var failure = Assert.Single(failures);
        Assert.Contains("status code: 401", failure, StringComparison.Ordinal);
    }

    /// <summary>A loopback YouTube and a gateway that requires <c>Authorization: lavalink-secret</c>.</summary>
    public sealed class World : IAsyncLifetime
    {
        public TempDirectory Cache { get; } = new();

        public FakeYouTube YouTube { get; private set; } = null!;

        public GatewayHost Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            YouTube = await FakeYouTube.StartAsync();
            Gateway = await YouTubeGateway.StartAsync(YouTube, Cache, new Dictionary<string, string?> { ["API_TOKEN"] = Password, ["IN_FLIGHT_TIMEOUT_MS"] = "120000" });
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await YouTube.DisposeAsync();
            Cache.Dispose();
        }
    }
}
