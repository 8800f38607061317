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
        Assert.Equal(200, (await gateway.PostJsonAsync("/decrypt_signature", new { player_url = vector.PlayerUrl, n_param = vector.N[1].Input }).ReadAsync()).Status);

        // The newest player's n call takes milliseconds in Jint: 24 at once cannot all fit one worker and a queue of one.
        // Each n is different (n answers are memoised); the first is a fixture vector whose answer is known.
        var inputs = Enumerable.Range(0, 24).Select(i => i == 0 ? vector.N[0].Input : vector.N[0].Input[..^2] + (char)('a' + (i % 26)) + (char)('A' + (i / 26))).ToList();
        var responses = await Task.WhenAll(inputs.Select(n => gateway.PostJsonAsync("/decrypt_signature", new { player_url = vector.PlayerUrl, n_param = n })));
        try
        {
            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.All(s => s is 200 or 503), "statuses: " + string.Join(',', statuses));
            var rejected = responses.Where(r => (int)r.StatusCode == 503).ToList();
            Assert.NotEmpty(rejected);
            Assert.All(rejected, r => Assert.NotNull(r.Headers.RetryAfter));
            for (var i = 0; i < responses.Length; i++)
            {
                if (!responses[i].IsSuccessStatusCode)
                {
                    continue;
                }

                var answer = System.Text.Json.JsonDocument.Parse(await responses[i].Content.ReadAsStringAsync()).RootElement.GetProperty("decrypted_n_sig").GetString();
                if (i == 0)
                {
                    Assert.Equal(vector.N[0].Output, answer);
                }
                else
                {
                    Assert.False(string.IsNullOrEmpty(answer) || answer == inputs[i], $"n {inputs[i]} answered '{answer}'");
                }
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
