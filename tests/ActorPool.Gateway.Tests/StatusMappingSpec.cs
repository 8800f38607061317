using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ActorPool.Hosting;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorPool.Gateway.Tests;

/// <summary>
/// Every failure kind produced for real through Kestrel, with its status, kind, message shape and Retry-After
/// pinned exactly. The table below is the contract (docs/gateway.md); each row is produced by a real cause.
/// </summary>
public sealed class StatusMappingSpec
{
    /// <summary>The documented answer of each failure kind: status and Retry-After (null: no header).</summary>
    public static TheoryData<FailureKind, int, int?> Contract() => new()
    {
        { FailureKind.InvalidRequest, 400, null },
        { FailureKind.ModuleNotFound, 404, null },
        { FailureKind.ScriptError, 422, null },
        { FailureKind.LimitExceeded, 422, null },
        { FailureKind.Overloaded, 503, 1 },
        { FailureKind.QueueExpired, 503, 1 },
        { FailureKind.PoolUnavailable, 503, 5 },
        { FailureKind.ShuttingDown, 503, 5 },
        { FailureKind.Timeout, 504, null },
        { FailureKind.Cancelled, 499, null },
        { FailureKind.WorkerCrashed, 500, null },
    };

    [Theory]
    [MemberData(nameof(Contract))]
    public void Every_failure_kind_should_map_to_its_documented_status_and_retry_after(FailureKind kind, int status, int? retryAfter) =>
        Assert.Equal((status, retryAfter), ApiError.StatusOf(kind));

    [Fact]
    public void The_contract_should_name_every_failure_kind() =>
        Assert.Equal(Enum.GetValues<FailureKind>().Order(), Contract().Select(row => (FailureKind)row[0]).Order());

    [Fact]
    public async Task Worker_crashed_should_be_500_without_retry_after_when_the_pool_supervisor_is_gone()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 200, null, null);
        var system = gateway.App.Services.GetRequiredService<ActorSystem>();
        var supervisor = gateway.App.Services.GetRequiredService<ActorRegistry>().Get<ScriptPoolSupervisor>();

        Assert.True(await supervisor.GracefulStop(TimeSpan.FromSeconds(10)));

        var error = await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 500, "worker_crashed", null);
        Assert.Contains("supervisor", error, StringComparison.OrdinalIgnoreCase);
        Assert.False(system.WhenTerminated.IsCompleted);
    }

    [Fact]
    public async Task Pool_unavailable_should_be_503_with_retry_after_5_on_a_cluster_gateway_without_workers()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["CLUSTER_ROLE"] = "gateway",
            ["CLUSTER_HOST"] = "127.0.0.1",
            ["CLUSTER_PORT"] = "0",
        });

        var error = await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 503, "pool_unavailable", 5);
        Assert.Contains("no reachable node", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutting_down_should_be_503_with_retry_after_5_and_connection_close_once_stopping_has_begun()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 200, null, null);

        // The stopping signal alone (the host is started, not run, so nothing else stops yet): the gate answers.
        gateway.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        using var fresh = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        foreach (var call in new Func<Task<HttpResponseMessage>>[]
        {
            () => fresh.PostAsync("/v1/scripts/faults/add", Json("""{"args": [1, 2]}""")),
            () => fresh.PostAsync("/decrypt_signature", Json("""{"player_url": "/s/player/449ea0a5/player_ias.vflset/en_US/base.js"}""")),
            () => fresh.GetAsync("/v1/pool"),
        })
        {
            using var response = await call();
            await ExpectAsync(Task.FromResult(response), 503, "shutting_down", 5, keep: true);
            Assert.True(response.Headers.ConnectionClose, "a refused request asks the client to reconnect elsewhere");
        }

        // Health stays reachable for the orchestrator while stopping.
        using var live = await fresh.GetAsync("/health/live");
        Assert.Equal(200, (int)live.StatusCode);
    }

    [Fact]
    public async Task Overloaded_and_queue_expired_should_be_503_with_retry_after_1()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["MAX_THREADS"] = "1",
            ["MAX_QUEUE_LENGTH"] = "1",
            ["MAX_TASK_AGE_MS"] = "1000",
            ["IN_FLIGHT_TIMEOUT_MS"] = "15000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "2048",
        });
        var busy = gateway.CallAsync("faults", "sleep", """{"args": [2500]}""");
        await PoolLimitsSpec.WaitForAsync(gateway, p => p.GetProperty("workers").GetProperty("busy").GetInt32() == 1);
        var queued = gateway.CallAsync("faults", "add", """{"args": [1, 2]}""");
        await PoolLimitsSpec.WaitForAsync(gateway, p => p.GetProperty("queue").GetProperty("length").GetInt32() == 1);

        await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 503, "overloaded", 1);
        await ExpectAsync(queued, 503, "queue_expired", 1);
        await ExpectAsync(busy, 200, null, null);
    }

    [Theory]
    [InlineData("faults", "fail", """{"args": ["boom"]}""", 422, "script_error")]
    [InlineData("faults", "bomb", """{"args": []}""", 422, "limit_exceeded")]
    [InlineData("faults", "recurse", """{"args": [0]}""", 422, "limit_exceeded")]
    [InlineData("faults", "spin", """{"args": []}""", 504, "timeout")]
    [InlineData("nope", "fail", """{"args": []}""", 404, "module_not_found")]
    [InlineData("faults", "echo", """{"args": 1}""", 400, "invalid_request")]
    public async Task Pool_failures_should_have_exact_status_kind_shape_and_no_retry_after(string module, string function, string body, int status, string kind)
    {
        // Only the endless row waits out the in-flight timeout, so it alone gets a short one; the others get room to
        // reach their own limit first on a loaded box (an allocation bomb under a 1 s timeout was a 504 there).
        var inFlightTimeout = function == "spin" ? "1000" : "15000";
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["IN_FLIGHT_TIMEOUT_MS"] = inFlightTimeout });
        await ExpectAsync(gateway.CallAsync(module, function, body), status, kind, null);
    }

    [Fact]
    public async Task Request_level_errors_should_have_exact_status_and_kind()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_REQUEST_BYTES"] = "100", ["API_TOKEN"] = "t" });
        using var authed = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        authed.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "t");

        await ExpectAsync(gateway.CallAsync("faults", "add", """{"args": [1, 2]}"""), 401, "unauthorized", null);
        using (var tooLarge = await authed.SendAsync(TooLarge("/v1/scripts/faults/echo")))
        {
            await ExpectAsync(Task.FromResult(tooLarge), 413, "payload_too_large", null, keep: true);

            // The unread body is not drained: the connection closes, and the answer says so, so the client's next
            // request (below, on the same client) goes on a new connection instead of failing.
            Assert.True(tooLarge.Headers.ConnectionClose, "a 413 whose body was not read must carry Connection: close");
        }

        await ExpectAsync(authed.PostAsync("/v1/scripts/faults/echo", new StringContent("{}", Encoding.UTF8, "text/plain")), 415, "invalid_request", null);
        await ExpectAsync(authed.PostAsync("/v1/scripts/faults/echo", Json("{\"args\": [")), 400, "invalid_request", null);
    }

    [Theory]
    [InlineData("GET", "/nowhere", 404, "not_found")]
    [InlineData("POST", "/v1/nothing/here/at/all", 404, "not_found")]
    [InlineData("GET", "/v1/scripts/faults/echo", 405, "method_not_allowed")]
    [InlineData("DELETE", "/decrypt_signature", 405, "method_not_allowed")]
    [InlineData("PUT", "/v1/pool", 405, "method_not_allowed")]
    public async Task Unknown_routes_and_methods_should_have_one_status_each(string method, string path, int status, string kind)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var error = await ExpectAsync(gateway.Client.SendAsync(request), status, kind, null);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Asserts the status; for an error also the exact body shape <c>{"error": non-empty, "kind": kind}</c> and the
    /// Retry-After header (absent when null). Returns the error message.
    /// </summary>
    internal static async Task<string?> ExpectAsync(Task<HttpResponseMessage> call, int status, string? kind, int? retryAfter, bool keep = false)
    {
        var response = await call;
        try
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
            if (kind is null)
            {
                return null;
            }

            using var body = JsonDocument.Parse(text);
            var names = body.RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray();
            Assert.Equal(["error", "kind"], names);
            Assert.Equal(kind, body.RootElement.GetProperty("kind").GetString());
            var message = body.RootElement.GetProperty("error").GetString();
            Assert.False(string.IsNullOrWhiteSpace(message), text);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(retryAfter?.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.RetryAfter?.ToString());
            return message;
        }
        finally
        {
            if (!keep)
            {
                response.Dispose();
            }
        }
    }

    /// <summary>
    /// A body over the limit, sent after <c>Expect: 100-continue</c> as careful clients do: the 413 comes before the
    /// body is sent. (Without it, the server closes a connection whose unread body is still arriving, and TCP may
    /// reset it before the client reads the 413.)
    /// </summary>
    internal static HttpRequestMessage TooLarge(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json("{\"args\": [\"" + new string('x', 200) + "\"]}") };
        request.Headers.ExpectContinue = true;
        return request;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
