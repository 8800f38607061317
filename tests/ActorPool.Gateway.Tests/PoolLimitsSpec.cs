using System.Net.Http.Headers;
using System.Text;
using ActorPool.Configuration;

namespace ActorPool.Gateway.Tests;

public sealed class PoolLimitsSpec
{
    // Jint's memory limit counts every byte a call allocates, and the busy-wait `sleep` allocates a number per
    // Date.now(): calls that only keep a worker busy get room for a few seconds of that.
    private const string SleepMemoryLimitMb = "2048";

    [Fact]
    public async Task Gateway_should_answer_overloaded_at_once_when_the_queue_is_full()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["MAX_QUEUE_LENGTH"] = "1", ["ENGINE_MEMORY_LIMIT_MB"] = SleepMemoryLimitMb });
        var busy = gateway.CallAsync("faults", "sleep", """{"args": [1500]}""");
        await WaitForAsync(gateway, p => p.GetProperty("workers").GetProperty("busy").GetInt32() == 1);
        var queued = gateway.CallAsync("faults", "sleep", """{"args": [1]}""");
        await WaitForAsync(gateway, p => p.GetProperty("queue").GetProperty("length").GetInt32() == 1);

        using var response = await gateway.CallAsync("faults", "add", """{"args": [1, 2]}""");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("\"kind\":\"overloaded\"", body, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        using var busyResponse = await busy;
        Assert.True(busyResponse.IsSuccessStatusCode, await busyResponse.Content.ReadAsStringAsync());
        using var queuedResponse = await queued;
        Assert.True(queuedResponse.IsSuccessStatusCode, await queuedResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Gateway_should_answer_queue_expired_when_a_task_waits_too_long()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["MAX_TASK_AGE_MS"] = "100", ["IN_FLIGHT_TIMEOUT_MS"] = "15000", ["ENGINE_MEMORY_LIMIT_MB"] = SleepMemoryLimitMb });
        // The long call only keeps the single worker busy; its own limit is far away even on a loaded CI box.
        var busy = gateway.CallAsync("faults", "sleep", """{"args": [1000]}""");
        await WaitForAsync(gateway, p => p.GetProperty("workers").GetProperty("busy").GetInt32() == 1);
        var (status, body) = await gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync();
        Assert.True(status == 503 && body.TryGetProperty("kind", out var kind) && kind.GetString() == "queue_expired", $"got {status}: {body}");
        using var busyResponse = await busy;
        Assert.True(busyResponse.StatusCode == System.Net.HttpStatusCode.OK, $"the long call got {(int)busyResponse.StatusCode}: {await busyResponse.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Gateway_should_answer_500_sequential_calls_while_workers_retire_on_budget()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "2", ["MESSAGES_LIMIT"] = "20" });
        for (var i = 0; i < 500; i++)
        {
            using var response = await gateway.CallAsync("faults", "add", $$"""{"args": [{{i}}, 1]}""");
            Assert.True(response.IsSuccessStatusCode, $"call {i} got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var pool = await gateway.PoolAsync();
        Assert.True(pool.GetProperty("retirements").GetProperty("budget").GetInt64() >= 15, pool.ToString());
    }

    [Fact]
    public async Task Gateway_should_answer_each_of_2000_concurrent_mixed_calls_exactly_as_its_type_demands_and_return_to_idle()
    {
        // The queue holds every call, so none may be refused: each call type has exactly one right answer.
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "2", ["MESSAGES_LIMIT"] = "50", ["MAX_QUEUE_LENGTH"] = "2000", ["IN_FLIGHT_TIMEOUT_MS"] = "5000" });
        (string Function, string Body, int Status, string Expected)[] types =
        [
            ("add", "{\"args\": [1, 2]}", 200, "{\"result\":3}"),
            ("echo", "{\"args\": [\"é\"]}", 200, "{\"result\":\"é\"}"),
            ("fail", "{\"args\": [\"x\"]}", 422, "script_error"),
            ("nope", "{\"args\": []}", 404, "module_not_found"),
            ("echo", "{\"args\": 5}", 400, "invalid_request"),
            ("echo", "{bad", 400, "invalid_request"),
            ("cyclic", "{\"args\": []}", 422, "script_error"),
        ];
        var calls = Enumerable.Range(0, 2000).Select(async i =>
        {
            var type = types[i % types.Length];
            using var response = await gateway.CallAsync("faults", type.Function, type.Body);
            return (Index: i, Type: type, Status: (int)response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }).ToList();
        var results = await Task.WhenAll(calls);

        var wrong = new List<string>();
        foreach (var (index, type, status, text) in results)
        {
            var right = status == type.Status && (type.Status == 200
                ? text == type.Expected
                : System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("kind").GetString() == type.Expected);
            if (!right)
            {
                wrong.Add($"#{index} {type.Function} {type.Body}: expected {type.Status} {type.Expected}, got {status} {text}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of 2000 calls got the wrong answer, e.g.\n" + string.Join('\n', wrong.Take(10)));
        await WaitForAsync(gateway, p => p.GetProperty("workers").GetProperty("idle").GetInt32() == 2 && p.GetProperty("queue").GetProperty("length").GetInt32() == 0);

        // Each call that reached the pool ran exactly once: the pool's own counts match the answers.
        var tasks = (await gateway.PoolAsync()).GetProperty("tasks");
        Assert.Equal(results.Count(r => r.Status == 200), tasks.GetProperty("succeeded").GetInt64());
        Assert.Equal(results.Count(r => r.Type.Expected == "script_error"), tasks.GetProperty("script_error").GetInt64());
        Assert.Equal(results.Count(r => r.Type.Expected == "module_not_found"), tasks.GetProperty("module_not_found").GetInt64());
    }

    [Fact]
    public async Task Gateway_should_require_the_token_on_the_api_but_not_on_public_pages()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["API_TOKEN"] = "s3cret" });
        var (status, body) = await gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync();
        Assert.Equal(401, status);
        Assert.Equal("unauthorized", body.Kind());

        async Task<int> WithToken(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scripts/faults/add") { Content = new StringContent("""{"args": [1, 2]}""", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", token);
            using var response = await gateway.Client.SendAsync(request);
            return (int)response.StatusCode;
        }

        Assert.Equal(401, await WithToken("wrong"));
        Assert.Equal(200, await WithToken("s3cret"));
        foreach (var path in new[] { "/", "/metrics", "/health/live", "/openapi/v1.json" })
        {
            using var response = await gateway.Client.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, path);
        }

        using var pool = await gateway.Client.GetAsync("/v1/pool");
        Assert.Equal(401, (int)pool.StatusCode);
    }

    [Fact]
    public void Gateway_should_refuse_to_start_naming_every_bad_variable()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["MAX_THREADS"] = "many",
            ["PORT"] = "70000",
            ["LOG_FORMAT"] = "xml",
            ["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory,
            ["ActorPool:TaskBudget"] = "lots",
        }));
        Assert.Contains("MAX_THREADS", error.Message, StringComparison.Ordinal);
        Assert.Contains("PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("LOG_FORMAT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_should_check_pool_variables_against_the_pool_ranges_and_name_each_variable_with_the_other_errors()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory,
            ["MAX_THREADS"] = "-1",
            ["ENGINE_RECURSION_LIMIT"] = "5",
            ["MAX_QUEUE_LENGTH"] = "0",
            ["PORT"] = "70000",
            ["CLUSTER_ROLE"] = "captain",
        }));

        Assert.Contains("MAX_THREADS: actor-pool.workers = -1 is out of range", error.Message, StringComparison.Ordinal);
        Assert.Contains("ENGINE_RECURSION_LIMIT: actor-pool.engine.recursion-limit = 5 is out of range", error.Message, StringComparison.Ordinal);
        Assert.Contains("MAX_QUEUE_LENGTH: actor-pool.max-queue-length = 0 is out of range", error.Message, StringComparison.Ordinal);
        Assert.Contains("PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("CLUSTER_ROLE", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Errors.Count);
    }

    [Fact]
    public void Gateway_should_name_bad_keys_of_the_ActorPool_section()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory,
            ["ActorPool:TaskBudget"] = "lots",
            ["ActorPool:MaxQueueLength"] = "0",
        }));
        Assert.Contains("ActorPool:TaskBudget", error.Message, StringComparison.Ordinal);
        Assert.Contains("max-queue-length", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Polls /v1/pool (a cheap ask) until <paramref name="condition"/> holds; fails after 30 s (a hang, not a slow box).</summary>
    internal static async Task WaitForAsync(GatewayHost gateway, Func<System.Text.Json.JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        System.Text.Json.JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await gateway.PoolAsync();
            if (condition(last))
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("the pool never reached the expected state: " + last);
    }
}
