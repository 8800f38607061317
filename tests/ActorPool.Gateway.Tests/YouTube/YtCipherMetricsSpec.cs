using System.Globalization;
using System.Text;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>yt-cipher's metric families on <c>/metrics</c>, under yt-cipher's names and labels, with bounded values.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YtCipherMetricsSpec(YouTubeWorld world) : IClassFixture<YouTubeWorld>
{
    private static readonly PlayerVector Small = YouTubeFixtures.Small;

    private GatewayHost Gateway => world.Gateway;

    [Fact]
    public async Task Requests_should_be_counted_per_endpoint_player_variant_user_agent_and_plugin_version()
    {
        // Unique client labels, so series written by other specs in this process cannot be mistaken for ours.
        var agent = "ParityClient/" + Guid.NewGuid().ToString("N")[..8];
        var plugin = "1.0." + Environment.TickCount64.ToString(CultureInfo.InvariantCulture);
        var body = $$"""{"player_url": "{{Small.PlayerUrl}}", "encrypted_signature": "{{Small.Sig[0].Input}}"}""";

        Assert.Equal(200, await PostAsync("/decrypt_signature", body, agent, plugin));
        Assert.Equal(200, await PostAsync("/decrypt_signature", body, agent, plugin));
        Assert.Equal(400, await PostAsync("/get_sts", """{"player_url": 42}""", agent, plugin));

        var metrics = await Gateway.Client.GetStringAsync("/metrics");
        var id = Small.PlayerId;
        Assert.Equal(2, Value(metrics, $$"""http_requests_total{method="POST",pathname="/decrypt_signature",player_id="{{id}}",player_type="ias",plugin_version="{{plugin}}",user_agent="{{agent}}"}"""));
        Assert.Equal(2, Value(metrics, $$"""http_responses_total{method="POST",pathname="/decrypt_signature",status="200",player_id="{{id}}",player_type="ias",plugin_version="{{plugin}}",user_agent="{{agent}}"}"""));
        Assert.Equal(1, Value(metrics, $$"""http_responses_total{method="POST",pathname="/get_sts",status="400",player_id="unknown",player_type="unknown",plugin_version="{{plugin}}",user_agent="{{agent}}"}"""));
        Assert.True(Value(metrics, $$"""http_request_duration_seconds_count{method="POST",pathname="/decrypt_signature",player_id="{{id}}",player_type="ias",cached="true"}""") >= 1);
        Assert.True(Value(metrics, $$"""player_url_requests_total{player_id="{{id}}",player_type="ias"}""") >= 2);
        Assert.True(Value(metrics, """cache_size{cache_name="solver"}""") >= 1);
        Assert.True(Value(metrics, """cache_size{cache_name="player"}""") >= 1);
        var fetchUrl = new Uri(world.YouTube.BaseUrl, FakeYouTube.PathOf(id)).ToString();
        Assert.True(Value(metrics, $$"""player_script_fetches_total{player_url="{{fetchUrl}}",status="2xx"}""") >= 1, metrics);

        // Ours stay beside them; the HTTP middleware's own histogram moved aside for yt-cipher's name.
        Assert.Contains("actorpool_youtube_requests_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("actorpool_http_request_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Solver_failures_should_count_as_worker_errors_by_player_and_stage()
    {
        var body = $$"""{"player_url": "{{FakeYouTube.UrlOf(FakeYouTube.GarbageId)}}", "encrypted_signature": "abc"}""";

        Assert.Equal(500, await PostAsync("/decrypt_signature", body, "ParityClient/garbage", "garbage"));

        var metrics = await Gateway.Client.GetStringAsync("/metrics");
        Assert.True(Value(metrics, $$"""worker_errors_total{player_id="{{FakeYouTube.GarbageId}}",player_type="ias",message="extract"}""") >= 1, metrics);
    }

    [Fact]
    public void Free_form_label_values_should_be_bounded()
    {
        var label = new YtCipherMetrics.BoundedLabel(2);

        Assert.Equal("unknown", label.Label(null));
        Assert.Equal("unknown", label.Label("  "));
        Assert.Equal("a/1", label.Label("a/1"));
        Assert.Equal("b/2", label.Label("b/2"));
        Assert.Equal("other", label.Label("c/3"));
        Assert.Equal("a/1", label.Label("a/1"));
        Assert.Equal("other", new YtCipherMetrics.BoundedLabel(8).Label("bad\nvalue"));
        Assert.Equal(64, new YtCipherMetrics.BoundedLabel(8).Label(new string('x', 500)).Length);
    }

    [Theory]
    [InlineData("/decrypt_signature")]
    [InlineData("/GET_STS")]
    [InlineData("/resolve_url")]
    [InlineData("/v1/scripts/math/add")]
    [InlineData("/")]
    public void The_middleware_should_observe_exactly_the_yt_cipher_paths(string path) =>
        Assert.Equal(YouTubeApi.IsYouTubePath(path), YtCipherMetrics.IsYtCipherPath(path));

    private async Task<int> PostAsync(string path, string body, string userAgent, string pluginVersion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.TryAddWithoutValidation("Plugin-Version", pluginVersion);
        using var response = await Gateway.Client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>The value of one series in Prometheus text, or 0 when it is absent.</summary>
    private static double Value(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
