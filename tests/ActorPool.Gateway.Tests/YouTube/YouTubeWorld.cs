namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>One loopback YouTube and one gateway with its own disk cache, shared by the tests of a class.</summary>
public sealed class YouTubeWorld : IAsyncLifetime
{
    public FakeYouTube YouTube { get; private set; } = null!;

    public TempDirectory Cache { get; } = new();

    public GatewayHost Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        YouTube = await FakeYouTube.StartAsync();
        Gateway = await YouTubeGateway.StartAsync(YouTube, Cache, new Dictionary<string, string?> { ["PLAYER_FETCH_TIMEOUT_MS"] = "1500" });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await YouTube.DisposeAsync();
        Cache.Dispose();
    }
}
