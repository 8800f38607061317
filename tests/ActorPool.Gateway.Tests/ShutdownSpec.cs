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
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await client.GetStringAsync("/v1/pool")).Contains("\"busy\":1", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

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
}
