using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ActorPool.Bench;

/// <summary>
/// The gateway binary as a child process (the one this program was built with, with its own runtime configuration:
/// server GC, as <c>dotnet ActorPool.Gateway.dll</c> or the published app runs it), on a free loopback port.
/// </summary>
internal sealed class GatewayChild : IDisposable
{
    private readonly ChildServer _server;

    private GatewayChild(ChildServer server) => _server = server;

    public Uri Address => _server.Address;

    /// <summary>The process id (for <see cref="ProcessMeter"/>).</summary>
    public int ProcessId => _server.ProcessId;

    public static async Task<GatewayChild> StartAsync(Uri youtube, string cache, BenchOptions options, string solverEngine)
    {
        var port = ChildServer.FreePort();
        // --gateway runs a published gateway executable (e.g. build.ps1 publish's) instead of the one built beside this program.
        // A .dll runs with `dotnet` (e.g. a build of another commit, for an A/B).
        var start = options.Gateway is { } published
            ? published.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? new ProcessStartInfo("dotnet", [Path.GetFullPath(published)]) { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(published))! }
                : new ProcessStartInfo(Path.GetFullPath(published)) { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(published))! }
            : new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ActorPool.Gateway.dll")]) { WorkingDirectory = AppContext.BaseDirectory };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["SCRIPTS_DIR"] = Path.Combine(BenchModules.RepoRoot, "bench", "modules");
        start.Environment["MAX_THREADS"] = options.Workers.ToString(CultureInfo.InvariantCulture);
        start.Environment["LOG_LEVEL"] = "warning";
        start.Environment["YOUTUBE_BASE_URL"] = youtube.ToString();
        start.Environment["XDG_CACHE_HOME"] = cache;
        start.Environment["SOLVER_ENGINE"] = solverEngine;
        foreach (var (name, value) in options.GatewayEnvironment)
        {
            start.Environment[name] = value;
        }

        return new GatewayChild(await ChildServer.StartAsync("the gateway", start, port, "/health/ready", TimeSpan.FromSeconds(60)));
    }

    public void Dispose() => _server.Dispose();

    /// <summary>The resident set of the gateway process, from /proc (NaN where there is none).</summary>
    public double RssMegabytes() => _server.RssMegabytes();

    /// <summary>What /v1/pool says about which engine serves which pool.</summary>
    public async Task<string> PoolEnginesAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/pool", UriKind.Relative)));
        return json.RootElement.TryGetProperty("engines", out var engines) ? engines.GetRawText() : json.RootElement.GetProperty("engine").GetRawText();
    }
}
