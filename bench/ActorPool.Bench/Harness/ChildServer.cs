using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorPool.Bench;

/// <summary>
/// A server the bench runs as a child process on a free loopback port: its output is kept for error messages, it
/// counts as started once <c>readyPath</c> answers 2xx, and it is killed with its process tree on dispose.
/// </summary>
internal sealed class ChildServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The process id (for <see cref="ProcessMeter"/>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>A loopback port that is free now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="start"/> (output redirected here) and waits until <paramref name="readyPath"/> on
    /// <paramref name="port"/> answers, for at most <paramref name="readyWithin"/>; <paramref name="name"/> names it in errors.
    /// </summary>
    public static async Task<ChildServer> StartAsync(string name, ProcessStartInfo start, int port, string readyPath, TimeSpan readyWithin)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var server = new ChildServer(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(name, readyPath, readyWithin);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The resident set of the process, from /proc (NaN where there is none).</summary>
    public double RssMegabytes() => ProcessMeter.RssMegabytes(_process.Id);

    /// <summary>What the process wrote so far (its last 3,000 characters).</summary>
    public string Output()
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length <= 3000 ? text : text[^3000..];
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

    private async Task WaitReadyAsync(string name, string readyPath, TimeSpan readyWithin)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * readyWithin.TotalSeconds);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited ({_process.ExitCode}): " + Output());
            }

            try
            {
                using var response = await client.GetAsync(new Uri(readyPath, UriKind.Relative));
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

            await Task.Delay(100);
        }

        throw new TimeoutException($"{name} did not become ready in {readyWithin.TotalSeconds:F0} s: " + Output());
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
