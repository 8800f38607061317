using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Modules;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Issue 5's scaling benchmark: a gateway process with one worker-node process, then with two (each
/// <c>MAX_THREADS=1</c>), on a loop-heavy function over HTTP; compared with this machine's own raw scaling,
/// two raw Jint threads against one, measured in the same run. Nothing here depends on the machine's size.
/// </summary>
internal static class ScaleScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var dll = Path.Combine(BenchModules.RepoRoot, "src", "ActorPool.Gateway", "bin", "Release", "net10.0", "ActorPool.Gateway.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution in Release first (dotnet build -c Release)");
        }

        var settings = PoolSettings.Default with { Workers = 1 };
        var catalog = new ModuleCatalog(BenchModules.Source());
        var args = string.Create(CultureInfo.InvariantCulture, $"[{options.WorkN}]");
        var body = Encoding.UTF8.GetBytes($$"""{"args": {{args}}}""");
        var path = $"/v1/scripts/{BenchModules.Transform}/work";
        var warmup = TimeSpan.FromSeconds(1);
        // A worker process that just joined still JITs Jint's interpreter: give the HTTP runs a longer warm-up.
        var clusterWarmup = TimeSpan.FromSeconds(3);
        var measure = TimeSpan.FromSeconds(options.Seconds);
        var connections = Math.Max(4, options.InFlight / 4);

        var seedPort = FreePort();
        var httpPort = FreePort();
        var seed = $"akka.tcp://actorpool@127.0.0.1:{seedPort}";
        using var gateway = Node(dll, new()
        {
            ["CLUSTER_ROLE"] = "gateway",
            ["CLUSTER_PORT"] = seedPort.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SEEDS"] = seed,
            ["PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
        });
        using var first = Worker(dll, seed);
        var baseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var load = new HttpLoad(baseAddress, connections);

        Console.WriteLine();
        Console.WriteLine($"## scale — gateway + 1 vs + 2 worker processes (MAX_THREADS=1), work({options.WorkN}) over HTTP with {connections} connections, against raw Jint 1 vs 2 threads; {options.Rounds} rounds x {options.Seconds}s");
        await AwaitRoutable(http, 1);
        Console.WriteLine($"check: {await load.SendOnceAsync(path, body)}");

        var raw1 = new List<double>();
        var raw2 = new List<double>();
        var one = new List<double>();
        var two = new List<double>();
        for (var round = 0; round < options.Rounds; round++)
        {
            raw1.Add(RawJint.Run(settings.Engine, catalog, BenchModules.Transform, "work", args, 1, warmup, measure).Rate);
            raw2.Add(RawJint.Run(settings.Engine, catalog, BenchModules.Transform, "work", args, 2, warmup, measure).Rate);
            one.Add((await load.RunForAsync(path, body, clusterWarmup, measure)).Rate);
            using (var second = Worker(dll, seed))
            {
                await AwaitRoutable(http, 2);
                two.Add((await load.RunForAsync(path, body, clusterWarmup, measure)).Rate);
                Signal(second.Id, 15);
                second.WaitForExit(TimeSpan.FromSeconds(30));
            }

            await AwaitRoutable(http, 1);
            Console.WriteLine($"round {round + 1}: raw 1 thread {Stats.N(raw1[^1], "N1")}/s, 2 threads {Stats.N(raw2[^1], "N1")}/s; cluster 1 node {Stats.N(one[^1], "N1")}/s, 2 nodes {Stats.N(two[^1], "N1")}/s");
        }

        var rawScaling = Stats.PairedRatio(raw2, raw1);
        var clusterScaling = Stats.PairedRatio(two, one);
        Console.WriteLine();
        Console.WriteLine("| measure | 1 | 2 | 2 / 1 |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine($"| raw Jint threads, calls/s (median) | {Stats.N(Stats.Median(raw1), "N1")} | {Stats.N(Stats.Median(raw2), "N1")} | {Stats.N(rawScaling, "N2")} |");
        Console.WriteLine($"| worker-node processes behind one gateway, requests/s (median) | {Stats.N(Stats.Median(one), "N1")} | {Stats.N(Stats.Median(two), "N1")} | {Stats.N(clusterScaling, "N2")} |");
        Console.WriteLine($"cluster scaling / raw scaling = {Stats.N(Stats.Median([.. two.Select((t, i) => t / one[i] / (raw2[i] / raw1[i]))]), "N2")} (median of per-round ratios) (target >= 0.85)");
        Signal(first.Id, 15);
        Signal(gateway.Id, 15);
    }

    private static Process Worker(string dll, string seed) => Node(dll, new()
    {
        ["CLUSTER_ROLE"] = "script-worker",
        ["CLUSTER_PORT"] = "0",
        ["CLUSTER_SEEDS"] = seed,
        ["PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
        ["MAX_THREADS"] = "1",
    });

    private static Process Node(string dll, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["SCRIPTS_DIR"] = Path.Combine(BenchModules.RepoRoot, "bench", "modules");
        start.Environment["LOG_LEVEL"] = "error";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task AwaitRoutable(HttpClient http, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/pool"));
                if (json.RootElement.TryGetProperty("cluster", out var members) && members.EnumerateArray().Count(m => m.GetProperty("routable").GetBoolean()) == count)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the gateway never saw {count} routable worker node(s)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
