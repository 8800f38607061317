using System.Text;

namespace ActorPool.Gateway.Tests;

public sealed class ShutdownSpec
{
    [Fact]
    public async Task Gateway_process_should_finish_the_request_in_flight_refuse_new_ones_and_exit_0_on_SIGTERM()
    {
        using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["MAX_THREADS"] = "1",
            ["DRAIN_TIMEOUT_MS"] = "5000",
        });
        var client = gateway.Client;
        await gateway.WaitReadyAsync();
        var inFlight = client.PostAsync("/v1/scripts/faults/sleep", new StringContent("""{"args": [1500]}""", Encoding.UTF8, "application/json"));
        await WaitBusyAsync(client);

        gateway.Signal(15);
        using (var response = await inFlight)
        {
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("""{"result":1500}""", await response.Content.ReadAsStringAsync());
        }

        // A new request after SIGTERM is refused: 503 if it reaches the app, or no connection at all.
        try
        {
            using var late = await client.PostAsync("/v1/scripts/faults/add", new StringContent("""{"args": [1, 2]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(503, (int)late.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        Assert.True(gateway.Process.WaitForExit(TimeSpan.FromSeconds(20)), "the gateway did not exit within the drain timeout");
        gateway.Process.WaitForExit();
        Assert.True(gateway.Process.ExitCode == 0, $"exit code {gateway.Process.ExitCode}; output:\n{gateway.Output}");
    }

    [Fact]
    public async Task Gateway_process_should_answer_503_shutting_down_to_requests_that_arrive_after_SIGTERM()
    {
        // A call that outlives the signal keeps the pool draining, and Kestrel serving, for a while.
        using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["MAX_THREADS"] = "1",
            ["DRAIN_TIMEOUT_MS"] = "5000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "2048",
            ["LOG_LEVEL"] = "information",
        });
        var client = gateway.Client;
        await gateway.WaitReadyAsync();
        var inFlight = client.PostAsync("/v1/scripts/faults/sleep", Json("""{"args": [2500]}"""));
        await WaitBusyAsync(client);

        gateway.Signal(15);

        // SIGTERM first runs Akka's coordinated shutdown, which drains the pools (the host's ApplicationStopping, the
        // shutdown gate's token, comes after). Once a pool logs that it drains, every request that reaches the app is
        // refused with the documented answer and none is served. Each request uses a new connection.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!gateway.Output.Contains("Draining:", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gateway never logged that it drains; output:\n{gateway.Output}");
            await Task.Delay(10);
        }

        var refused = 0;
        while (refused < 3)
        {
            using var fresh = new HttpClient { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            HttpResponseMessage late;
            try
            {
                late = await fresh.PostAsync("/v1/scripts/faults/add", Json("""{"args": [1, 2]}"""));
            }
            catch (HttpRequestException ex)
            {
                Assert.Fail($"a request after SIGTERM was not answered while the drain was still running ({ex.Message}); output:\n{gateway.Output}");
                return;
            }

            using (late)
            {
                var text = await late.Content.ReadAsStringAsync();
                Assert.True((int)late.StatusCode == 503, $"after SIGTERM: {(int)late.StatusCode} {text}");
                Assert.Contains("\"kind\":\"shutting_down\"", text, StringComparison.Ordinal);
                Assert.Equal("5", late.Headers.RetryAfter?.ToString());
                refused++;
            }
        }

        using (var response = await inFlight)
        {
            Assert.Equal("""{"result":2500}""", await response.Content.ReadAsStringAsync());
        }

        Assert.True(gateway.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the gateway did not exit");
        gateway.Process.WaitForExit();
        Assert.True(gateway.Process.ExitCode == 0, $"exit code {gateway.Process.ExitCode}; output:\n{gateway.Output}");
    }

    [Fact]
    public async Task Gateway_process_should_cut_off_a_call_that_runs_past_the_drain_timeout_with_a_clear_answer_and_exit_0()
    {
        using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["MAX_THREADS"] = "1",
            ["DRAIN_TIMEOUT_MS"] = "1000",
            ["IN_FLIGHT_TIMEOUT_MS"] = "20000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "4096",
        });
        var client = gateway.Client;
        await gateway.WaitReadyAsync();
        var tooLong = client.PostAsync("/v1/scripts/faults/sleep", Json("""{"args": [15000]}"""));
        await WaitBusyAsync(client);

        gateway.Signal(15);

        using (var response = await tooLong)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 503, $"the cut-off call got {(int)response.StatusCode}: {text}");
            Assert.Contains("\"kind\":\"shutting_down\"", text, StringComparison.Ordinal);
            Assert.Contains("drain-timeout", text, StringComparison.Ordinal);
        }

        Assert.True(gateway.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the gateway did not exit after the drain timeout");
        gateway.Process.WaitForExit();
        Assert.True(gateway.Process.ExitCode == 0, $"exit code {gateway.Process.ExitCode}; output:\n{gateway.Output}");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task WaitBusyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await client.GetStringAsync("/v1/pool")).Contains("\"busy\":1", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the long call never started");
            await Task.Delay(10);
        }
    }
}
