namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>The gateway's start-up block: where it listens, the dashboard, each pool, the modules, the token.</summary>
public sealed class StartupLogSpec
{
    [Fact]
    public async Task Startup_should_log_one_block_with_the_address_dashboard_pools_modules_and_token()
    {
        var scripts = Path.Combine(AppContext.BaseDirectory, "scripts");
        using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["HOST"] = "127.0.0.1",
            ["SCRIPTS_DIR"] = scripts,
            ["LOG_LEVEL"] = "information",
            ["API_TOKEN"] = "startup-token",
            ["MAX_THREADS"] = "3",
            ["MESSAGES_LIMIT"] = "500",
        });
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var address = gateway.Client.BaseAddress!.ToString().TrimEnd('/');

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!gateway.Output.Contains("  API token", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var output = gateway.Output;
        var start = output.IndexOf("ActorPool gateway started (standalone)", StringComparison.Ordinal);
        Assert.True(start >= 0, "no start-up block in:\n" + output);
        var block = string.Join('\n', output[start..].Split('\n').Take(8));
        Assert.Contains($"listening on  {address}", block, StringComparison.Ordinal);
        Assert.Contains($"dashboard     {address}/", block, StringComparison.Ordinal);
        Assert.Matches(@"pool script-pool\s+scripts: engine jint, 3 workers, budget 500 tasks per worker", block);
        Assert.Matches(@"pool solver-pool\s+youtube-solvers: engine (v8|jint \(v8 asked for\)), 3 workers", block);
        var modules = string.Join(", ", Directory.EnumerateFiles(scripts, "*.mjs").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
        Assert.Contains($"from {scripts}: {modules}", block, StringComparison.Ordinal);
        Assert.Contains("API token     required", block, StringComparison.Ordinal);
    }
}
