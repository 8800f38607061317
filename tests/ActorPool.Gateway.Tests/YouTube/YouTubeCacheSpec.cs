using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>Single flight, the disk cache across restarts, and auth on the yt-cipher endpoints.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeCacheSpec
{
    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    [Fact]
    public async Task Hundred_concurrent_first_requests_should_share_one_fetch_and_one_preparation()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache);
        var vector = YouTubeFixtures.Newest;

        var calls = Enumerable.Range(0, 100).Select(i => gateway.PostJsonAsync("/decrypt_signature", new
        {
            player_url = i % 2 == 0 ? vector.PlayerUrl : vector.RelativeUrl,
            encrypted_signature = vector.Sig[i % vector.Sig.Count].Input,
            n_param = vector.N[i % vector.N.Count].Input,
        }).ReadAsync());
        var answers = await Task.WhenAll(calls);

        var wrong = answers.Select((a, i) => (a, i)).Where(x =>
            x.a.Status != 200
            || x.a.Body.GetProperty("decrypted_signature").GetString() != vector.Sig[x.i % vector.Sig.Count].Output
            || x.a.Body.GetProperty("decrypted_n_sig").GetString() != vector.N[x.i % vector.N.Count].Output).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} wrong answers, first: #{wrong.FirstOrDefault().i} {wrong.FirstOrDefault().a.Body}");
        Assert.Equal(1, youtube.Requests(YouTubeFixtures.FilesByCanonicalPath().Single(p => p.Value.Contains(vector.PlayerId, StringComparison.Ordinal)).Key));
        var stats = Service(gateway).Stats();
        Assert.Equal(1, stats.UpstreamFetches);
        Assert.Equal(1, stats.Extractions);
    }

    [Fact]
    public async Task The_disk_cache_should_survive_a_restart_without_an_upstream_fetch()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        var request = new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input };
        await using (var first = await YouTubeGateway.StartAsync(youtube, cache))
        {
            Assert.Equal(200, (await first.PostJsonAsync("/decrypt_signature", request).ReadAsync()).Status);
        }

        await using var second = await YouTubeGateway.StartAsync(youtube, cache);
        var (status, body) = await second.PostJsonAsync("/decrypt_signature", request).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(Small.Sig[0].Output, body.GetProperty("decrypted_signature").GetString());
        Assert.Equal(1, youtube.TotalRequests);
        Assert.Equal(1, Service(second).Stats().DiskHits);
        Assert.Empty(Directory.EnumerateFiles(cache.Players, "*.tmp-*"));
    }

    [Fact]
    public async Task Entries_unused_for_14_days_should_be_removed_at_start()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        Directory.CreateDirectory(cache.Players);
        var stale = Path.Combine(cache.Players, "0123abcd-IAS-en_US.js");
        var fresh = Path.Combine(cache.Players, "4567abcd-IAS-en_US.js");
        var temp = Path.Combine(cache.Players, "89abcdef-IAS-en_US.js.tmp-1");
        foreach (var file in new[] { stale, fresh, temp })
        {
            await File.WriteAllTextAsync(file, "var x;");
        }

        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromDays(15));
        File.SetLastWriteTimeUtc(fresh, DateTime.UtcNow - TimeSpan.FromDays(13));

        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache);

        Assert.False(File.Exists(stale), "a 15-day-old entry should be removed");
        Assert.True(File.Exists(fresh), "a 13-day-old entry should be kept");
        Assert.False(File.Exists(temp), "a left-over temporary file should be removed");
    }

    [Fact]
    public async Task The_fetch_url_should_be_rebuilt_on_YOUTUBE_BASE_URL_never_the_callers_host()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache);

        // A legacy s.ytimg.com URL with a query string is fetched from the loopback server at its canonical path.
        var legacy = YouTubeFixtures.Player("vflbHLA_P");
        var (status, body) = await gateway.PostJsonAsync("/decrypt_signature", new { player_url = legacy.PlayerUrl + "?x=https://evil.example.com/", encrypted_signature = legacy.Sig[0].Input }).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(legacy.Sig[0].Output, body.GetProperty("decrypted_signature").GetString());
        Assert.Equal(1, youtube.TotalRequests);
    }

    [Fact]
    public async Task Overrides_should_map_every_request_to_the_override_player()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?>
        {
            ["OVERRIDE_PLAYER_ID"] = Small.PlayerId,
            ["OVERRIDE_PLAYER_VARIANT"] = "IAS",
        });

        var (status, body) = await gateway.PostJsonAsync("/decrypt_signature", new { player_url = FakeYouTube.UrlOf("12345678"), encrypted_signature = Small.Sig[0].Input }).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(Small.Sig[0].Output, body.GetProperty("decrypted_signature").GetString());
    }

    [Fact]
    public async Task The_endpoints_should_require_the_API_TOKEN()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?> { ["API_TOKEN"] = "s3cret" });
        var body = new { player_url = Small.PlayerUrl };

        var (status, _) = await gateway.PostJsonAsync("/get_sts", body).ReadAsync();
        Assert.Equal(401, status);

        gateway.Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "s3cret");
        using var ok = await gateway.PostJsonAsync("/get_sts", body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(0, youtube.TotalRequests - 1);
    }

    private static ActorPool.YouTube.Service.YouTubeSolverService Service(GatewayHost gateway) =>
        gateway.App.Services.GetRequiredService<ActorPool.YouTube.Service.YouTubeSolverService>();
}
