using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Gateway;
using ActorPool.Modules;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Solvers;
using Jint;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario "youtube": the yt-cipher endpoints against a loopback YouTube serving the fixture players. Per player:
/// cold request latency (fresh gateway and empty disk cache: fetch + extract + load + solve), warm
/// <c>/decrypt_signature</c> req/s with p50/p99 at the given connections, the in-engine cost of one sig and one n
/// call (raw Jint, one thread), and the same solver module's n function under the Node.js piscina peer vs the pool.
/// </summary>
internal static class YouTubeScenario
{
    private static readonly string[] Players = ["4918c89a", "449ea0a5"];

    public static async Task RunAsync(BenchOptions options)
    {
        var fixtures = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "fixtures", "youtube"));
        var vectors = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixtures, "vectors.json"))).RootElement;
        await using var youtube = await LoopbackYouTube.StartAsync(fixtures, vectors);
        Console.WriteLine();
        Console.WriteLine($"## youtube — yt-cipher endpoints, loopback player host, {options.Workers} workers, {options.InFlight} connections, {options.Seconds}s warm windows");
        Console.WriteLine();
        Console.WriteLine("| player | cold request (median of 3) | warm req/s | p50 | p99 | sig in-engine | n in-engine | n: pool tasks/s | n: piscina tasks/s | pool / peer |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var id in Players)
        {
            var vector = vectors.EnumerateArray().Single(v => v.GetProperty("player_id").GetString() == id);
            var playerUrl = vector.GetProperty("player_url").GetString()!;
            var sig = vector.GetProperty("sig")[0].GetProperty("input").GetString()!;
            var n = vector.GetProperty("n")[0].GetProperty("input").GetString()!;
            var body = JsonSerializer.Serialize(new { player_url = playerUrl, encrypted_signature = sig, n_param = n });

            var colds = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                colds.Add(await ColdAsync(youtube.BaseUrl, options, body));
            }

            var (rate, p50, p99, failed) = await WarmAsync(youtube.BaseUrl, options, body);
            var source = await File.ReadAllTextAsync(Path.Combine(fixtures, vector.GetProperty("file").GetString()!));
            var solver = SolverExtractor.Extract(source);
            var (sigMs, nMs) = InEngine(solver.ModuleSource, sig, n);
            var (poolRate, peerRate) = await PeerAsync(solver.ModuleSource, n, options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {id} | {colds.Order().ElementAt(1):N0} ms ({Stats.List(colds)}) | {rate:N0}{(failed > 0 ? $" ({failed} failed)" : "")} | {p50:N1} ms | {p99:N1} ms | {sigMs:N3} ms | {nMs:N3} ms | {poolRate:N0} | {(double.IsNaN(peerRate) ? "n/a" : peerRate.ToString("N0", CultureInfo.InvariantCulture))} | {(double.IsNaN(peerRate) ? "n/a" : (poolRate / peerRate).ToString("N2", CultureInfo.InvariantCulture) + "×")} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Targets: cold ≤ 1.5 s; warm ≥ 1,000 req/s with p99 ≤ 25 ms.");
    }

    private static async Task<double> ColdAsync(Uri youtube, BenchOptions options, string body)
    {
        var cache = Path.Combine(Path.GetTempPath(), "actorpool-bench-yt-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var gateway = await StartGatewayAsync(youtube, cache, options);
            using var client = new HttpClient { BaseAddress = GatewayApp.Address(gateway) };
            using (await client.GetAsync(new Uri("/health/live", UriKind.Relative)))
            {
                // Connection and JIT of the HTTP path warmed; the player is still uncached.
            }

            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(new Uri("/decrypt_signature", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            response.EnsureSuccessStatusCode();
            return elapsed;
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static async Task<(double Rate, double P50, double P99, long Failed)> WarmAsync(Uri youtube, BenchOptions options, string body)
    {
        var cache = Path.Combine(Path.GetTempPath(), "actorpool-bench-yt-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var gateway = await StartGatewayAsync(youtube, cache, options);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.InFlight }) { BaseAddress = GatewayApp.Address(gateway) };
            (await client.PostAsync(new Uri("/decrypt_signature", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

            var latencies = new List<double>[options.InFlight];
            long failed = 0;
            var warmupEnd = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 1.0);
            var end = warmupEnd + (long)(Stopwatch.Frequency * options.Seconds);
            var workers = Enumerable.Range(0, options.InFlight).Select(async w =>
            {
                var mine = latencies[w] = [];
                while (true)
                {
                    var started = Stopwatch.GetTimestamp();
                    if (started >= end)
                    {
                        return;
                    }

                    using var response = await client.PostAsync(new Uri("/decrypt_signature", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
                    await response.Content.ReadAsByteArrayAsync();
                    if (started >= warmupEnd)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                }
            });
            await Task.WhenAll(workers);
            var all = latencies.SelectMany(l => l).Order().ToList();
            return (all.Count / options.Seconds, Stats.Percentile(all, 0.50), Stats.Percentile(all, 0.99), failed);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static async Task<WebApplication> StartGatewayAsync(Uri youtube, string cache, BenchOptions options)
    {
        var app = GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["PORT"] = "0",
            ["HOST"] = "127.0.0.1",
            ["SCRIPTS_DIR"] = Path.Combine(BenchModules.RepoRoot, "bench", "modules"),
            ["MAX_THREADS"] = options.Workers.ToString(CultureInfo.InvariantCulture),
            ["LOG_LEVEL"] = "warning",
            ["YOUTUBE_BASE_URL"] = youtube.ToString(),
            ["XDG_CACHE_HOME"] = cache,
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Mean ms of one sig and one n call in a single Jint engine with the module loaded (no pool).</summary>
    private static (double SigMs, double NMs) InEngine(string module, string sig, string n)
    {
        using var engine = new Engine(o => o.LimitRecursion(1000));
        engine.Modules.Add("solver", module);
        var exports = engine.Modules.Import("solver");
        var sigFn = exports.Get("sig");
        var nFn = exports.Get("n");
        double Time(Jint.Native.JsValue fn, string input, int calls)
        {
            for (var i = 0; i < 20; i++)
            {
                engine.Invoke(fn, input);
            }

            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++)
            {
                engine.Invoke(fn, input);
            }

            return Stopwatch.GetElapsedTime(started).TotalMilliseconds / calls;
        }

        return (Time(sigFn, sig, 2000), Time(nFn, n, 300));
    }

    /// <summary>The solver's n function: pool tasks/s vs the piscina peer on the same module file.</summary>
    private static async Task<(double Pool, double Peer)> PeerAsync(string module, string n, BenchOptions options)
    {
        var args = JsonSerializer.Serialize(new[] { n });
        var settings = PoolSettings.Default with { Workers = options.Workers };
        var modules = new InMemoryModuleSource().Set("solver", module);
        double poolRate;
        await using (var host = PoolHost.Start(modules, settings))
        {
            poolRate = (await PoolLoad.RunForAsync(host.Pool, "solver", "n", args, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds))).Rate;
        }

        var peer = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "bench", "node-peer", "run.sh"));
        if (!File.Exists(peer))
        {
            return (poolRate, double.NaN);
        }

        var file = Path.Combine(Path.GetTempPath(), "actorpool-bench-solver-" + Guid.NewGuid().ToString("N") + ".mjs");
        await File.WriteAllTextAsync(file, module);
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = BenchModules.RepoRoot };
            foreach (var a in new[] { peer, file, "n", args, options.Workers.ToString(CultureInfo.InvariantCulture), options.InFlight.ToString(CultureInfo.InvariantCulture), options.Seconds.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var stdout = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"(node peer failed, exit {process.ExitCode}: {stderr.Trim()})");
                return (poolRate, double.NaN);
            }

            using var json = JsonDocument.Parse(stdout.Trim());
            return (poolRate, json.RootElement.GetProperty("tasks_per_s").GetDouble());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Kestrel on 127.0.0.1:0 serving the fixture players at their canonical paths.</summary>
    private sealed class LoopbackYouTube(WebApplication app) : IAsyncDisposable
    {
        public Uri BaseUrl => GatewayApp.Address(app);

        public static async Task<LoopbackYouTube> StartAsync(string fixtures, JsonElement vectors)
        {
            var files = vectors.EnumerateArray().ToDictionary(
                v => PlayerIdentity.Parse(v.GetProperty("player_url").GetString()).CanonicalPath(),
                v => Path.Combine(fixtures, v.GetProperty("file").GetString()!),
                StringComparer.Ordinal);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(context =>
            {
                if (files.TryGetValue(context.Request.Path.Value ?? "/", out var file))
                {
                    return context.Response.SendFileAsync(file);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            await app.StartAsync();
            return new LoopbackYouTube(app);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
