using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ActorPool.Gateway.Tests;

/// <summary>The real gateway binary as a child process on 127.0.0.1, with its output kept for failure messages.</summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port)
    {
        Process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Process Process { get; }

    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the gateway with <paramref name="environment"/> (PORT is chosen here unless given).</summary>
    public static GatewayProcess Start(IDictionary<string, string> environment)
    {
        var port = environment.TryGetValue("PORT", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ActorPool.Gateway.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory;
        start.Environment["LOG_LEVEL"] = "warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Launch(start, port);
    }

    /// <summary>
    /// Starts <paramref name="start"/> (a gateway in another form: the published binary, a container) that serves
    /// HTTP on 127.0.0.1:<paramref name="port"/>; its output is kept like the gateway's.
    /// </summary>
    public static GatewayProcess Launch(ProcessStartInfo start, int port)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var gateway = new GatewayProcess(Process.Start(start)!, port);
        gateway.Process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        gateway.Process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        gateway.Process.BeginOutputReadLine();
        gateway.Process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan? max = null)
    {
        var deadline = DateTime.UtcNow + (max ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(Process.HasExited, "the gateway exited: " + Output);
            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        Assert.Fail("the gateway never became ready: " + Output);
    }

    /// <summary>Sends a POSIX signal (15 = SIGTERM, 9 = SIGKILL).</summary>
    public void Signal(int signal) => Assert.Equal(0, Kill(Process.Id, signal));

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
        Client.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
