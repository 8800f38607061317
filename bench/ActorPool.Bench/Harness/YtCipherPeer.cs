using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorPool.Bench;

/// <summary>
/// The real yt-cipher server (Deno), started with <c>../shared/bench/yt-cipher-peer/run.sh</c> on a free loopback
/// port: it needs <c>MIRROR</c> (a folder of bare snapshots of kikkia/yt-cipher, yt-dlp/ejs and
/// marcopacini/ts_prometheus) and installs Deno from the npm registry into its work folder on first use.
/// </summary>
internal sealed class YtCipherPeer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private YtCipherPeer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The server's process id: run.sh <c>exec</c>s Deno, so it is the process started here.</summary>
    public int ProcessId => _process.Id;

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
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        // The default work folder of run.sh keeps Deno and its npm cache between runs.
        var work = Path.Combine(Path.GetTempPath(), "yt-cipher-peer");
        var start = new ProcessStartInfo("bash", [Script, port.ToString(CultureInfo.InvariantCulture), youtube.ToString().TrimEnd('/'), work])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MAX_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        start.Environment["XDG_CACHE_HOME"] = cache;
        var peer = new YtCipherPeer(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        peer._process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        peer._process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        peer._process.BeginOutputReadLine();
        peer._process.BeginErrorReadLine();
        try
        {
            await peer.WaitReadyAsync();
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task WaitReadyAsync()
    {
        // The first run extracts the sources and downloads Deno and two npm packages: allow minutes.
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 300;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the yt-cipher peer exited ({_process.ExitCode}): " + Tail(Output()));
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the yt-cipher peer did not answer in 300 s: " + Tail(Output()));
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
