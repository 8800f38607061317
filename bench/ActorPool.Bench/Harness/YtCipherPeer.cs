using System.Diagnostics;
using System.Globalization;

namespace ActorPool.Bench;

/// <summary>
/// The real yt-cipher server (Deno), started with <c>../shared/bench/yt-cipher-peer/run.sh</c> on a free loopback
/// port: it needs <c>MIRROR</c> (a folder of bare snapshots of kikkia/yt-cipher, yt-dlp/ejs and
/// marcopacini/ts_prometheus) and installs Deno from the npm registry into its work folder on first use.
/// </summary>
internal sealed class YtCipherPeer : IDisposable
{
    private readonly ChildServer _server;

    private YtCipherPeer(ChildServer server) => _server = server;

    public Uri Address => _server.Address;

    /// <summary>The server's process id: run.sh <c>exec</c>s Deno, so it is the process started here.</summary>
    public int ProcessId => _server.ProcessId;

    /// <summary>The peer's run.sh beside the repository.</summary>
    public static string Script { get; } =
        Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "bench", "yt-cipher-peer", "run.sh"));

    /// <summary>Why the peer cannot run here (no MIRROR, no run.sh), or null when it can be tried.</summary>
    public static string? WhyNot()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("MIRROR")))
        {
            return "MIRROR is not set (a folder of bare snapshots: kikkia+yt-cipher/repo, yt-dlp+ejs/repo, marcopacini+ts_prometheus/repo)";
        }

        return File.Exists(Script) ? null : $"the peer script {Script} does not exist";
    }

    /// <summary>Starts the peer with <paramref name="threads"/> workers (MAX_THREADS), a fresh player cache, and waits until it answers.</summary>
    public static async Task<YtCipherPeer> StartAsync(Uri youtube, string cache, int threads)
    {
        var port = ChildServer.FreePort();
        // The default work folder of run.sh keeps Deno and its npm cache between runs.
        var work = Path.Combine(Path.GetTempPath(), "yt-cipher-peer");
        var start = new ProcessStartInfo("bash", [Script, port.ToString(CultureInfo.InvariantCulture), youtube.ToString().TrimEnd('/'), work]);
        start.Environment["MAX_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        start.Environment["XDG_CACHE_HOME"] = cache;
        // The first run extracts the sources and downloads Deno and two npm packages: allow minutes.
        return new YtCipherPeer(await ChildServer.StartAsync("the yt-cipher peer", start, port, "/metrics", TimeSpan.FromSeconds(300)));
    }

    public void Dispose() => _server.Dispose();
}
