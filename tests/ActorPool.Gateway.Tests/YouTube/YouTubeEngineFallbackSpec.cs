using System.Text;
using System.Text.Json;
using ActorPool.Engines.V8;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// V8 unavailable: the published gateway as a child process whose V8 factory fails to start
/// (<see cref="V8ScriptEngineFactory.DisableVariable"/>, set only in the child's environment, fails where a missing
/// native library would). The solver pool asks for V8 (the default), falls back to Jint, serves every fixture vector,
/// and says so in <c>/v1/pool</c> and in one warning.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeEngineFallbackSpec
{
    [Fact]
    public async Task With_V8_unavailable_the_solver_pool_should_serve_every_vector_on_Jint_and_say_so()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            [V8ScriptEngineFactory.DisableVariable] = "1",
            ["MAX_THREADS"] = "2",
            ["YOUTUBE_BASE_URL"] = youtube.BaseUrl.ToString(),
            ["XDG_CACHE_HOME"] = cache.Path,
            ["IN_FLIGHT_TIMEOUT_MS"] = "20000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "512",
        });
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));

        var mismatches = await YouTubeVectorsSpec.SolveEveryVectorAsync(async (path, body) =>
        {
            using var response = await gateway.Client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
            return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        });

        Assert.True(mismatches.Count == 0, "mismatches:\n" + string.Join('\n', mismatches) + "\n" + gateway.Output);
        using var pool = JsonDocument.Parse(await gateway.Client.GetStringAsync("/v1/pool"));
        var solver = pool.RootElement.GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("pool").GetString() == "solver-pool");
        Assert.Equal("v8", solver.GetProperty("requested").GetString());
        Assert.Equal("jint", solver.GetProperty("engine").GetString());
        Assert.True(solver.GetProperty("state").GetProperty("tasks").GetProperty("succeeded").GetInt64() > 0);
        using var dashboard = JsonDocument.Parse(await gateway.Client.GetStringAsync("/dashboard.json"));
        Assert.Contains(
            dashboard.RootElement.GetProperty("pools").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "solver-pool" && p.GetProperty("engine").GetString() == "jint");
        var warnings = gateway.Output.Split('\n').Count(line => line.Contains("V8 cannot be used here", StringComparison.Ordinal));
        Assert.True(warnings == 1, $"expected one fallback warning, got {warnings}:\n{gateway.Output}");
        Assert.Contains(V8ScriptEngineFactory.DisableVariable, gateway.Output, StringComparison.Ordinal);
    }
}
