using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Deploy;

/// <summary>
/// The calls every deployed form of the gateway (container, single-file binary) must serve: readiness, a generic
/// script call, a correct <c>/decrypt_signature</c> for a fixture player fetched from the loopback YouTube, and a
/// SIGTERM with a task in flight that is still answered before a clean exit.
/// </summary>
public static class DeployChecks
{
    /// <summary>The modules directory the specs give the gateway (tests/ActorPool.Gateway.Tests/modules: faults.mjs).</summary>
    public static string ModulesDirectory => GatewayHost.ModulesDirectory;

    /// <summary>Waits for readiness and returns how long it took from <paramref name="started"/>.</summary>
    public static async Task<TimeSpan> ReadyAfterAsync(GatewayProcess gateway, Stopwatch started)
    {
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return started.Elapsed;
    }

    public static async Task AssertServesAsync(GatewayProcess gateway)
    {
        using (var ready = await gateway.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(200, (int)ready.StatusCode);
        }

        // A generic call.
        using (var add = await gateway.Client.PostAsync("/v1/scripts/faults/add", Json("""{"args": [2, 3]}""")))
        {
            Assert.Equal("""{"result":5}""", await add.Content.ReadAsStringAsync());
        }

        // yt-cipher: the player is fetched from the loopback YouTube, solved, and the answer is the fixture's.
        var player = YouTubeFixtures.Small;
        var (sig, n) = (player.Sig[0], player.N[0]);
        using var response = await gateway.Client.PostAsync("/decrypt_signature", Json(JsonSerializer.Serialize(new { player_url = player.PlayerUrl, encrypted_signature = sig.Input, n_param = n.Input })));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/decrypt_signature answered {(int)response.StatusCode}: {body}\n{gateway.Output}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(sig.Output, json.RootElement.GetProperty("decrypted_signature").GetString());
        Assert.Equal(n.Output, json.RootElement.GetProperty("decrypted_n_sig").GetString());
    }

    /// <summary>The solver pool's engine as <c>/v1/pool</c> reports it (v8 when V8's native library loaded).</summary>
    public static async Task<string?> SolverEngineAsync(GatewayProcess gateway)
    {
        using var pool = JsonDocument.Parse(await gateway.Client.GetStringAsync("/v1/pool"));
        return pool.RootElement.GetProperty("engines").EnumerateArray()
            .Single(e => e.GetProperty("pool").GetString() == "solver-pool").GetProperty("engine").GetString();
    }

    /// <summary>SIGTERM while a task runs: the task is answered, then the process exits 0.</summary>
    public static async Task AssertDrainsOnSigtermAsync(GatewayProcess gateway, Action sendSigterm)
    {
        var inFlight = gateway.Client.PostAsync("/v1/scripts/faults/sleep", Json("""{"args": [1500]}"""));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await gateway.Client.GetStringAsync("/v1/pool")).Contains("\"busy\":1", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the task never started: " + gateway.Output);
            await Task.Delay(10);
        }

        sendSigterm();
        using (var answered = await inFlight)
        {
            Assert.Equal(200, (int)answered.StatusCode);
            Assert.Equal("""{"result":1500}""", await answered.Content.ReadAsStringAsync());
        }

        Assert.True(gateway.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the gateway did not exit after SIGTERM: " + gateway.Output);
        gateway.Process.WaitForExit();
        Assert.True(gateway.Process.ExitCode == 0, $"exit code {gateway.Process.ExitCode}:\n{gateway.Output}");
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
