using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

public sealed class ScriptApiSpec : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    // The allocation bomb must reach the 32 MB memory limit before the in-flight timeout ends it: 1.5 s was not
    // enough on a loaded 2-core box (504 instead of 422); 6 s is, and only the spin row waits for it.
    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["IN_FLIGHT_TIMEOUT_MS"] = "6000" });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ScriptApi_should_return_the_result_as_raw_json()
    {
        var (status, body) = await _gateway.CallAsync("faults", "echo", """{"args": [{"a": [1, 2.5, "x", null]}]}""").ReadAsync();
        Assert.Equal(200, status);
        Assert.Equal("""{"a":[1,2.5,"x",null]}""", body.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task ScriptApi_should_run_the_shipped_example_modules_when_pointed_at_them()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["SCRIPTS_DIR"] = Path.Combine(AppContext.BaseDirectory, "scripts") });
        var (status, body) = await gateway.CallAsync("math", "add", """{"args": [1, 2]}""").ReadAsync();
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("result").GetInt32());
        (status, body) = await gateway.CallAsync("text", "reverse", """{"args": ["abc"]}""").ReadAsync();
        Assert.Equal("cba", body.GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("faults", "fail", """{"args": ["boom"]}""", 422, "script_error")]
    [InlineData("faults", "cyclic", """{"args": []}""", 422, "script_error")]
    [InlineData("faults", "big", """{"args": []}""", 422, "script_error")]
    [InlineData("faults", "bomb", """{"args": []}""", 422, "limit_exceeded")]
    [InlineData("faults", "recurse", """{"args": [0]}""", 422, "limit_exceeded")]
    [InlineData("faults", "spin", """{"args": []}""", 504, "timeout")]
    [InlineData("nope", "fail", """{"args": []}""", 404, "module_not_found")]
    [InlineData("faults", "nope", """{"args": []}""", 404, "module_not_found")]
    [InlineData("faults", "echo", """{"args": 1}""", 400, "invalid_request")]
    [InlineData("faults", "echo", """[1]""", 400, "invalid_request")]
    [InlineData("faults", "echo", """{"args": [1""", 400, "invalid_request")]
    public async Task ScriptApi_should_map_each_failure_to_its_status_and_kind_and_survive_it(string module, string function, string body, int expectedStatus, string expectedKind)
    {
        var (status, error) = await _gateway.CallAsync(module, function, body).ReadAsync();
        Assert.True(expectedStatus == status, $"expected {expectedStatus}, got {status}: {error}");
        Assert.Equal(expectedKind, error.Kind());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));

        var (next, result) = await _gateway.CallAsync("faults", "add", """{"args": [2, 3]}""").ReadAsync();
        Assert.Equal(200, next);
        Assert.Equal(5, result.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task ScriptApi_should_answer_415_for_a_wrong_content_type()
    {
        var (status, body) = await _gateway.CallAsync("faults", "echo", """{"args": []}""", "text/plain").ReadAsync();
        Assert.Equal(415, status);
        Assert.Equal("invalid_request", body.Kind());
    }

    [Fact]
    public async Task ScriptApi_should_answer_413_for_a_body_over_the_limit()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_REQUEST_BYTES"] = "100" });
        using var tooLarge = StatusMappingSpec.TooLarge("/v1/scripts/faults/echo");
        var (status, body) = await gateway.Client.SendAsync(tooLarge).ReadAsync();
        Assert.Equal(413, status);
        Assert.Equal("payload_too_large", body.Kind());

        // Chunked (no Content-Length) is bounded too.
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"args\": [\"" + new string('x', 200) + "\"]}")));
        chunked.Headers.ContentType = new("application/json");
        using var fresh = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        using var response = await fresh.PostAsync("/v1/scripts/faults/echo", chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/nowhere", 404)]
    [InlineData("POST", "/v1/nothing/here/at/all", 404)]
    [InlineData("GET", "/v1/scripts/faults/echo", 405)]
    public async Task Gateway_should_answer_unknown_routes_with_json(string method, string path, int expected)
    {
        // An unknown path is 404 not_found for every method; a known path answers another method 405 (JSON too).
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var (status, body) = await _gateway.Client.SendAsync(request).ReadAsync();
        Assert.Equal(expected, status);
        Assert.Equal(expected == 405 ? "method_not_allowed" : "not_found", body.Kind());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Gateway_should_serve_pool_state_home_page_metrics_health_and_openapi()
    {
        await _gateway.CallAsync("faults", "add", """{"args": [1, 1]}""").ReadAsync();
        var pool = await _gateway.PoolAsync();
        Assert.Equal(2, pool.GetProperty("workers").GetProperty("target").GetInt32());
        Assert.True(pool.GetProperty("tasks").GetProperty("succeeded").GetInt64() >= 1);
        Assert.False(pool.GetProperty("latched").GetBoolean());

        var home = await _gateway.Client.GetStringAsync("/");
        Assert.Contains("ActorPool gateway", home, StringComparison.Ordinal);
        Assert.Contains("data-pool=\"script-pool\"", home, StringComparison.Ordinal);

        var metrics = await _gateway.Client.GetStringAsync("/metrics");
        Assert.True(metrics.Contains("actorpool_workers{", StringComparison.Ordinal), metrics);
        Assert.Contains("http_request_duration_seconds", metrics, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health/ready")).StatusCode);
        var openapi = await _gateway.Client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/v1/scripts/{module}/{function}", openapi, StringComparison.Ordinal);
    }
}
