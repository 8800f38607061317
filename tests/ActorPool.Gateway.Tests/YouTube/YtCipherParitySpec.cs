using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// The requests where the gateway once answered differently from yt-cipher (its server.ts, src/validation.ts,
/// src/player.ts, src/handlers/resolveUrl.ts): a JSON body under any Content-Type, a protocol-relative player URL,
/// <c>/resolve_url</c> with no n anywhere, a locale of more than two parts. Each is sent over a socket as written, and
/// the answer is checked against the fixture vectors. A path that exists answers another method 405 with Allow.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class YtCipherParitySpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    private Uri Server => world.Gateway.Client.BaseAddress!;

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/octet-stream")]
    [InlineData("application/json; charset=utf-8")]
    public async Task A_json_body_should_be_read_whatever_its_content_type(string? contentType)
    {
        var decrypt = await PostAsync("/decrypt_signature", $$"""{"player_url":"{{Small.PlayerUrl}}","encrypted_signature":"{{Small.Sig[0].Input}}","n_param":"{{Small.N[0].Input}}"}""", contentType);
        Assert.Equal(Small.Sig[0].Output, decrypt.GetProperty("decrypted_signature").GetString());
        Assert.Equal(Small.N[0].Output, decrypt.GetProperty("decrypted_n_sig").GetString());

        var sts = await PostAsync("/get_sts", $$"""{"player_url":"{{Small.PlayerUrl}}"}""", contentType);
        Assert.Equal(Small.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture), sts.GetProperty("sts").GetString());

        var resolved = await PostAsync("/resolve_url", $$"""{"player_url":"{{Small.PlayerUrl}}","stream_url":"https://r1.googlevideo.com/videoplayback?n={{Small.N[1].Input}}&s=x","encrypted_signature":"{{Small.Sig[1].Input}}"}""", contentType);
        var query = Query(resolved.GetProperty("resolved_url").GetString()!);
        Assert.Equal(Small.N[1].Output, query["n"]);
        Assert.Equal(Small.Sig[1].Output, query["sig"]);
        Assert.False(query.ContainsKey("s"), "s was not removed");
    }

    [Fact]
    public async Task A_protocol_relative_player_url_should_be_served_like_the_absolute_one()
    {
        var relative = "//www.youtube.com" + Small.RelativeUrl;
        var decrypt = await PostAsync("/decrypt_signature", $$"""{"player_url":"{{relative}}","encrypted_signature":"{{Small.Sig[0].Input}}","n_param":"{{Small.N[0].Input}}"}""");
        Assert.Equal(Small.Sig[0].Output, decrypt.GetProperty("decrypted_signature").GetString());
        Assert.Equal(Small.N[0].Output, decrypt.GetProperty("decrypted_n_sig").GetString());
        var sts = await PostAsync("/get_sts", $$"""{"player_url":"{{relative}}"}""");
        Assert.Equal(Small.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture), sts.GetProperty("sts").GetString());

        // The host of a protocol-relative URL is checked like an absolute URL's.
        var refused = await RawHttp.SendAsync(Server, RawHttp.Request("POST", "/get_sts", Encoding.UTF8.GetBytes($$"""{"player_url":"//evil.example.com{{Small.RelativeUrl}}"}""")));
        Assert.True(refused.Status == 400, refused.Text);
        Assert.Contains("not a YouTube host", refused.JsonError("evil host").Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_url_without_an_n_anywhere_should_answer_the_url_unchanged()
    {
        const string Stream = "https://r1.googlevideo.com/videoplayback?expire=1&itag=251&mime=audio%2Fwebm";
        var plain = await PostAsync("/resolve_url", $$"""{"player_url":"{{Small.PlayerUrl}}","stream_url":"{{Stream}}"}""");
        Assert.Equal(Stream, plain.GetProperty("resolved_url").GetString());

        // An empty n_param counts as none, as in yt-cipher (`n_param || url n`).
        var empty = await PostAsync("/resolve_url", $$"""{"player_url":"{{Small.PlayerUrl}}","stream_url":"{{Stream}}","n_param":""}""");
        Assert.Equal(Stream, empty.GetProperty("resolved_url").GetString());

        // A signature without an n: the signature is written, n stays absent.
        var signed = await PostAsync("/resolve_url", $$"""{"player_url":"{{Small.PlayerUrl}}","stream_url":"{{Stream}}&sp=sig&s=x","encrypted_signature":"{{Small.Sig[0].Input}}"}""");
        var url = signed.GetProperty("resolved_url").GetString()!;
        Assert.StartsWith(Stream + "&sp=sig&sig=", url, StringComparison.Ordinal);
        var query = Query(url);
        Assert.Equal(Small.Sig[0].Output, query["sig"]);
        Assert.False(query.ContainsKey("n") || query.ContainsKey("s"), url);
    }

    [Fact]
    public async Task A_locale_of_three_parts_should_be_accepted_and_fetched_under_that_locale()
    {
        var regional = "https://www.youtube.com" + FakeYouTube.RegionalPath;
        var decrypt = await PostAsync("/decrypt_signature", $$"""{"player_url":"{{regional}}","encrypted_signature":"{{Small.Sig[1].Input}}","n_param":"{{Small.N[1].Input}}"}""");
        Assert.Equal(Small.Sig[1].Output, decrypt.GetProperty("decrypted_signature").GetString());
        Assert.Equal(Small.N[1].Output, decrypt.GetProperty("decrypted_n_sig").GetString());
        Assert.True(world.YouTube.Requests(FakeYouTube.RegionalPath) >= 1, "the regional copy was never fetched");
    }

    [Theory]
    [InlineData("GET", "/decrypt_signature", "POST")]
    [InlineData("PUT", "/get_sts", "POST")]
    [InlineData("DELETE", "/resolve_url", "POST")]
    [InlineData("GET", "/v1/scripts/faults/echo", "POST")]
    [InlineData("POST", "/v1/pool", "GET")]
    [InlineData("POST", "/", "GET")]
    public async Task A_path_that_exists_should_answer_another_method_405_with_allow(string method, string path, string allowed)
    {
        var answer = await RawHttp.SendAsync(Server, RawHttp.Request(method, path, "{}"u8.ToArray()));

        Assert.True(answer.Status == 405, $"{method} {path}: {answer.Status} {answer.Text}");
        Assert.True(answer.Headers.TryGetValue("Allow", out var allow), $"{method} {path}: no Allow header");
        Assert.Contains(allowed, allow.Split(',', StringSplitOptions.TrimEntries));
        var (error, kind) = answer.JsonError($"{method} {path}");
        Assert.Equal("method_not_allowed", kind);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/nowhere")]
    [InlineData("POST", "/decrypt_signature/more")]
    [InlineData("POST", "/v1/nothing/here/at/all")]
    public async Task A_path_that_does_not_exist_should_answer_404_json_for_every_method(string method, string path)
    {
        var answer = await RawHttp.SendAsync(Server, RawHttp.Request(method, path, "{}"u8.ToArray()));

        Assert.True(answer.Status == 404, $"{method} {path}: {answer.Status} {answer.Text}");
        Assert.Equal("not_found", answer.JsonError(path).Kind);
    }

    private static Dictionary<string, string> Query(string url) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(url).Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);

    private async Task<JsonElement> PostAsync(string path, string body, string? contentType = "application/json")
    {
        var answer = await RawHttp.SendAsync(Server, RawHttp.Request("POST", path, Encoding.UTF8.GetBytes(body), contentType));
        Assert.True(answer.Status == 200, $"POST {path} ({contentType ?? "no Content-Type"}) {body}: {answer.Status} {answer.Text}");
        using var json = JsonDocument.Parse(answer.Body);
        return json.RootElement.Clone();
    }
}
