using System.Net;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>The yt-cipher endpoints over real Kestrel: contract, bad input, upstream failures.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeApiSpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    private GatewayHost Gateway => world.Gateway;

    [Fact]
    public async Task Decrypt_signature_should_answer_empty_strings_for_absent_inputs()
    {
        var (status, body) = await Gateway.PostJsonAsync("/decrypt_signature", new { player_url = Small.PlayerUrl }).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(string.Empty, body.GetProperty("decrypted_signature").GetString());
        Assert.Equal(string.Empty, body.GetProperty("decrypted_n_sig").GetString());
    }

    [Fact]
    public async Task Decrypt_signature_should_set_X_Cache_Hit_true_once_the_solver_is_ready()
    {
        var request = new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input };
        (await Gateway.PostJsonAsync("/decrypt_signature", request)).Dispose();

        using var response = await Gateway.PostJsonAsync("/decrypt_signature", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("X-Cache-Hit").Single());
    }

    [Fact]
    public async Task Get_sts_should_answer_the_sts_as_a_string()
    {
        var (status, body) = await Gateway.PostJsonAsync("/get_sts", new { player_url = Small.RelativeUrl }).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal(JsonValueKind.String, body.GetProperty("sts").ValueKind);
        Assert.Equal(Small.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("sts").GetString());
    }

    [Fact]
    public async Task Resolve_url_should_write_the_signature_under_sig_remove_s_and_transform_n_from_the_url()
    {
        var stream = $"https://rr1---sn-abc.googlevideo.com/videoplayback?expire=1&s=ENCRYPTED&n={Uri.EscapeDataString(Small.N[0].Input)}&itag=18";

        var url = await ResolveAsync(new { stream_url = stream, player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input });

        Assert.Equal(Small.Sig[0].Output, Query(url, "sig"));
        Assert.Null(Query(url, "s"));
        Assert.Equal(Small.N[0].Output, Query(url, "n"));
        Assert.Equal("18", Query(url, "itag"));
        Assert.Equal("1", Query(url, "expire"));
    }

    [Fact]
    public async Task Resolve_url_should_write_the_signature_under_the_urls_sp_key()
    {
        var stream = $"https://rr1---sn-abc.googlevideo.com/videoplayback?sp=signature&n={Small.N[0].Input}";

        var url = await ResolveAsync(new { stream_url = stream, player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input });

        Assert.Equal(Small.Sig[0].Output, Query(url, "signature"));
        Assert.Null(Query(url, "sig"));
    }

    [Fact]
    public async Task Resolve_url_should_prefer_signature_key_and_the_bodys_n_param()
    {
        var stream = "https://rr1---sn-abc.googlevideo.com/videoplayback?sp=signature&n=fromtheurl";

        var url = await ResolveAsync(new { stream_url = stream, player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input, signature_key = "lsig2", n_param = Small.N[0].Input });

        Assert.Equal(Small.Sig[0].Output, Query(url, "lsig2"));
        Assert.Null(Query(url, "signature"));
        Assert.Equal(Small.N[0].Output, Query(url, "n"));
    }

    [Fact]
    public async Task Resolve_url_should_answer_the_url_unchanged_when_the_player_has_an_n_solver_but_no_n_is_given()
    {
        // As yt-cipher: no n in the body or the URL leaves nothing to transform (YtCipherParitySpec has more).
        var (status, body) = await Gateway.PostJsonAsync("/resolve_url", new { stream_url = "https://example.googlevideo.com/videoplayback?itag=1", player_url = Small.PlayerUrl }).ReadAsync();

        Assert.Equal(200, status);
        Assert.Equal("https://example.googlevideo.com/videoplayback?itag=1", body.GetProperty("resolved_url").GetString());
    }

    /// <summary>
    /// A signature or n outside the Basic Multilingual Plane is refused by the solver service (SolverInputException),
    /// so it is a 400 whichever way it arrives, an n in the stream URL included (an empty 500 before, issue 17). It
    /// is refused before the player is fetched: a player the host does not have (a 502 once fetched) changes nothing.
    /// </summary>
    [Theory]
    [InlineData("/decrypt_signature", "encrypted_signature", null, false)]
    [InlineData("/decrypt_signature", "n_param", null, false)]
    [InlineData("/resolve_url", "encrypted_signature", null, false)]
    [InlineData("/resolve_url", "n_param", null, false)]
    [InlineData("/resolve_url", "n_param", "https://rr1.googlevideo.com/videoplayback?itag=18&n=ab%F0%9F%8E%89cd", false)]
    [InlineData("/decrypt_signature", "n_param", null, true)]
    [InlineData("/resolve_url", "encrypted_signature", null, true)]
    [InlineData("/resolve_url", "n_param", null, true)]
    [InlineData("/resolve_url", "n_param", "https://rr1.googlevideo.com/videoplayback?itag=18&n=ab%F0%9F%8E%89cd", true)]
    public async Task A_signature_or_n_outside_the_BMP_should_be_answered_400_invalid_request(string path, string field, string? streamUrl, bool unknownPlayer)
    {
        var playerUrl = unknownPlayer ? "/s/player/0badf00d/player_ias.vflset/en_US/base.js" : Small.PlayerUrl;
        var body = new Dictionary<string, string> { ["player_url"] = playerUrl };
        if (path == "/resolve_url")
        {
            body["stream_url"] = streamUrl ?? "https://rr1.googlevideo.com/videoplayback?itag=18";
        }

        if (streamUrl is null)
        {
            body[field] = "ab🎉cd";
        }

        var (status, json) = await Gateway.PostJsonAsync(path, body).ReadAsync();

        Assert.Equal(400, status);
        Assert.Equal("invalid_request", json.GetProperty("kind").GetString());
        Assert.Equal($"Invalid request body: '{field}' holds a character outside the Basic Multilingual Plane; signatures and n values are ASCII", json.GetProperty("error").GetString());
    }

    public static TheoryData<string, string, string> BadInputs => new()
    {
        { "/decrypt_signature", "not json", "Invalid request body" },
        { "/decrypt_signature", "[1,2]", "Invalid request body" },
        { "/decrypt_signature", "{}", "'player_url' is missing or invalid" },
        { "/decrypt_signature", "{\"player_url\": 42}", "'player_url' is missing or invalid" },
        { "/decrypt_signature", "{\"player_url\": \"/s/player/449ea0a5/player_ias.vflset/en_US/base.js\", \"n_param\": 5}", "'n_param' must be a string" },
        { "/decrypt_signature", "{\"player_url\": \"https://evil.example.com/s/player/449ea0a5/player_ias.vflset/en_US/base.js\"}", "Player script error: " },
        { "/decrypt_signature", "{\"player_url\": \"/s/player/nothex!!/player_ias.vflset/en_US/base.js\"}", "Player script error: " },
        { "/decrypt_signature", "{\"player_url\": \"\"}", "Player script error: " },
        { "/get_sts", "{\"player_url\": \"//evil.example.com/s/player/449ea0a5/player_ias.vflset/en_US/base.js\"}", "Player script error: " },
        { "/get_sts", "{\"player_url\": null}", "'player_url' is missing or invalid" },
        { "/resolve_url", "{\"player_url\": \"/s/player/449ea0a5/player_ias.vflset/en_US/base.js\"}", "'stream_url' is missing or invalid" },
        { "/resolve_url", "{\"player_url\": \"/s/player/449ea0a5/player_ias.vflset/en_US/base.js\", \"stream_url\": \"not a url\"}", "'stream_url' is not an absolute" },
        { "/resolve_url", "{\"player_url\": \"/s/player/449ea0a5/player_ias.vflset/en_US/base.js\", \"stream_url\": \"https://x.googlevideo.com/v\", \"signature_key\": []}", "'signature_key' must be a string" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_should_be_answered_400_with_a_json_error(string path, string body, string expected)
    {
        var (status, json) = await Gateway.PostRawAsync(path, body).ReadAsync();

        Assert.Equal(400, status);
        Assert.Contains(expected, json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeYouTube.NotFoundId, "upstream answered 404")]
    [InlineData(FakeYouTube.SlowId, "no complete answer within 1500 ms")]
    [InlineData(FakeYouTube.HugeId, "with more than 16777216 bytes")]
    public async Task Upstream_failure_should_be_answered_502_naming_the_player_and_leave_nothing_in_the_cache(string id, string expected)
    {
        var (status, body) = await Gateway.PostJsonAsync("/decrypt_signature", new { player_url = FakeYouTube.UrlOf(id), n_param = "abc" }).ReadAsync();

        Assert.Equal(502, status);
        var error = body.GetProperty("error").GetString()!;
        Assert.Contains(id, error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(world.Cache.Players, id + "*"));
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task A_garbage_player_should_be_answered_500_naming_the_player_and_not_be_kept()
    {
        var (status, body) = await Gateway.PostJsonAsync("/decrypt_signature", new { player_url = FakeYouTube.UrlOf(FakeYouTube.GarbageId), encrypted_signature = "abc" }).ReadAsync();

        Assert.Equal(500, status);
        Assert.Contains(FakeYouTube.GarbageId, body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(world.Cache.Players, FakeYouTube.GarbageId + "*"));
        await AssertStillHealthyAsync();
    }

    [Fact]
    public async Task Get_sts_should_answer_404_when_the_player_states_no_timestamp()
    {
        var (status, body) = await Gateway.PostJsonAsync("/get_sts", new { player_url = FakeYouTube.UrlOf(FakeYouTube.GarbageId) }).ReadAsync();

        Assert.Equal(404, status);
        Assert.Contains("Timestamp not found", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_should_expose_requests_latency_fetches_and_cache_sizes()
    {
        (await Gateway.PostJsonAsync("/get_sts", new { player_url = Small.PlayerUrl })).Dispose();

        var text = await Gateway.Client.GetStringAsync("/metrics");

        Assert.Contains("actorpool_youtube_requests_total{endpoint=\"get_sts\",status=\"200\"}", text, StringComparison.Ordinal);
        Assert.Contains("actorpool_youtube_request_duration_seconds_bucket{endpoint=\"get_sts\"", text, StringComparison.Ordinal);
        Assert.Contains("actorpool_youtube_player_fetches_total{status_class=\"2xx\"}", text, StringComparison.Ordinal);
        Assert.Contains("actorpool_youtube_cache_entries{cache=\"sts\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_page_should_list_cached_players_and_their_state()
    {
        (await Gateway.PostJsonAsync("/decrypt_signature", new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input })).Dispose();

        var html = await Gateway.Client.GetStringAsync("/");

        Assert.Contains("YouTube players", html, StringComparison.Ordinal);
        Assert.Contains("<td>449ea0a5-IAS-en_US</td><td>ready</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_should_document_the_yt_cipher_endpoints()
    {
        var openapi = await Gateway.Client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/decrypt_signature", openapi, StringComparison.Ordinal);
        Assert.Contains("/get_sts", openapi, StringComparison.Ordinal);
        Assert.Contains("/resolve_url", openapi, StringComparison.Ordinal);
        Assert.Contains("decrypted_n_sig", openapi, StringComparison.Ordinal);
    }

    private async Task AssertStillHealthyAsync()
    {
        using var ready = await Gateway.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var (status, body) = await Gateway.PostJsonAsync("/decrypt_signature", new { player_url = Small.PlayerUrl, encrypted_signature = Small.Sig[0].Input }).ReadAsync();
        Assert.Equal(200, status);
        Assert.Equal(Small.Sig[0].Output, body.GetProperty("decrypted_signature").GetString());
    }

    private async Task<string> ResolveAsync(object request)
    {
        var (status, body) = await Gateway.PostJsonAsync("/resolve_url", request).ReadAsync();
        Assert.True(status == 200, $"status {status}: {body}");
        return body.GetProperty("resolved_url").GetString()!;
    }

    private static string? Query(string url, string name)
    {
        var query = new Uri(url).Query.TrimStart('?');
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (Uri.UnescapeDataString(eq < 0 ? part : part[..eq]) == name)
            {
                return eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }

        return null;
    }
}
