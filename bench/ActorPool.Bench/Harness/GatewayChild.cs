using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorPool.Bench;

/// <summary>
/// The gateway binary as a child process (the one this program was built with, with its own runtime configuration:
/// server GC, as <c>dotnet ActorPool.Gateway.dll</c> or the published app runs it), on a free loopback port.
/// </summary>
internal sealed class GatewayChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayChild(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The process id (for <see cref="ProcessMeter"/>).</summary>
    public int ProcessId => _process.Id;

    public static async Task<GatewayChild> StartAsync(Uri youtube, string cache, BenchOptions options, string solverEngine)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ActorPool.Gateway.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["SCRIPTS_DIR"] = Path.Combine(BenchModules.RepoRoot, "bench", "modules");
        start.Environment["MAX_THREADS"] = options.Workers.ToString(CultureInfo.InvariantCulture);
        start.Environment["LOG_LEVEL"] = "warning";
        start.Environment["YOUTUBE_BASE_URL"] = youtube.ToString();
        start.Environment["XDG_CACHE_HOME"] = cache;
        start.Environment["SOLVER_ENGINE"] = solverEngine;
        var child = new GatewayChild(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        try
        {
            await child.WaitReadyAsync();
            return child;
        }
        catch
        {
            child.Dispose();
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

    /// <summary>The resident set of the gateway process, from /proc (NaN where there is none).</summary>
    public double RssMegabytes() => ProcessMeter.RssMegabytes(_process.Id);

    /// <summary>What /v1/pool says about which engine serves which pool.</summary>
    public async Task<string> PoolEnginesAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/v1/pool", UriKind.Relative)));
        return json.RootElement.TryGetProperty("engines", out var engines) ? engines.GetRawText() : json.RootElement.GetProperty("engine").GetRawText();
    }

    private async Task WaitReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("the gateway exited: " + Output());
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the gateway did not become ready in 60 s: " + Output());
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
