using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ActorPool.Gateway.Tests;

public sealed class ShutdownSpec
{
    [Fact]
    public async Task Gateway_process_should_finish_the_request_in_flight_refuse_new_ones_and_exit_0_on_SIGTERM()
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "ActorPool.Gateway.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory;
        start.Environment["MAX_THREADS"] = "1";
        start.Environment["DRAIN_TIMEOUT_MS"] = "5000";
        start.Environment["LOG_LEVEL"] = "warning";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitReadyAsync(client, process, output);
            var inFlight = client.PostAsync("/v1/scripts/faults/sleep", new StringContent("""{"args": [1500]}""", Encoding.UTF8, "application/json"));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!(await client.GetStringAsync("/v1/pool")).Contains("\"busy\":1", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.Equal(0, Kill(process.Id, 15));
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

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), "the gateway did not exit within the drain timeout");
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; output:\n{output}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task WaitReadyAsync(HttpClient client, Process process, StringBuilder output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, "the gateway exited at start: " + output);
            try
            {
                using var response = await client.GetAsync("/health/ready");
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

        Assert.Fail("the gateway never became ready: " + output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
