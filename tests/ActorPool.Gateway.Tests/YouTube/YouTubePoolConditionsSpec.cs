namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>Pool conditions on the yt-cipher endpoints map as on the generic API: 503 + Retry-After, 504.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubePoolConditionsSpec
{
    [Fact]
    public async Task A_full_queue_should_be_answered_503_with_Retry_After_and_the_rest_solved()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["MAX_QUEUE_LENGTH"] = "1" });
        var vector = YouTubeFixtures.Newest;
        var request = new { player_url = vector.PlayerUrl, n_param = vector.N[0].Input };
        Assert.Equal(200, (await gateway.PostJsonAsync("/decrypt_signature", request).ReadAsync()).Status);

        // The newest player's n call takes milliseconds in Jint: 24 at once cannot all fit one worker and a queue of one.
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => gateway.PostJsonAsync("/decrypt_signature", request)));
        try
        {
            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.All(s => s is 200 or 503), "statuses: " + string.Join(',', statuses));
            var rejected = responses.Where(r => (int)r.StatusCode == 503).ToList();
            Assert.NotEmpty(rejected);
            Assert.All(rejected, r => Assert.NotNull(r.Headers.RetryAfter));
            foreach (var ok in responses.Where(r => r.IsSuccessStatusCode))
            {
                var body = System.Text.Json.JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(vector.N[0].Output, body.GetProperty("decrypted_n_sig").GetString());
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_solve_that_outlives_the_in_flight_timeout_should_be_answered_504()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?> { ["IN_FLIGHT_TIMEOUT_MS"] = "1" });
        var vector = YouTubeFixtures.Newest;

        // Loading the newest player's solver into an engine and running n takes far longer than 1 ms.
        var (status, body) = await gateway.PostJsonAsync("/decrypt_signature", new { player_url = vector.PlayerUrl, n_param = vector.N[0].Input }).ReadAsync();

        Assert.Equal(504, status);
        Assert.Equal("timeout", body.Kind());
    }
}
