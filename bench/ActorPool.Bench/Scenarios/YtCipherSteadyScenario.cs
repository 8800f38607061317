using System.Diagnostics;
using System.Globalization;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario "yt-cipher-steady": each server alone on the machine — its cold first request, then its resident set over
/// a long run of warm decrypts (issue 15: RSS flat within ± 10 % over 100,000 warm decrypts after warm-up, beside
/// yt-cipher's; cold first request ≤ 1.5 s in isolation).
/// </summary>
/// <remarks>
/// The servers run one after another, never side by side: our gateway with the V8 solver (its default), our gateway
/// with <c>SOLVER_ENGINE=jint</c> (cold request only) and the real yt-cipher when <c>MIRROR</c> is set (see
/// <see cref="YtCipherScenario"/>). Each is started with an empty player cache, asked once when ready (the cold
/// request: player download from the loopback host, solver extraction and load, the call), warmed with a tenth of
/// <c>--decrypts</c>, then sent <c>--decrypts</c> (default 100,000) warm decrypts at 32 connections in ten legs; its
/// RSS is read from /proc after the warm-up and after every leg. Flat means every reading within ± 10 % of the one
/// after the warm-up. For our gateway each reading also shows the managed heap (<c>dotnet_total_memory_bytes</c>
/// from its <c>/metrics</c>), so growth can be told apart: managed objects, or native memory (V8 isolates, the GC's
/// own reserve, thread stacks).
/// </remarks>
internal static class YtCipherSteadyScenario
{
    private const int Legs = 10;
    private const int Connections = 32;
    private const double FlatBand = 0.10;

    public static async Task RunAsync(BenchOptions options)
    {
        var (fixtures, vectors, workload) = await YtCipherScenario.LoadWorkloadAsync();
        var decrypts = options.Decrypts;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## yt-cipher-steady — each server alone: cold first request, then RSS over {decrypts:N0} warm /decrypt_signature of {YtCipherScenario.PlayerId} (random n) at {Connections} connections, {options.Workers} workers / MAX_THREADS"));
        Console.WriteLine();

        await using var youtube = await LoopbackYouTube.StartAsync(fixtures, vectors);
        var servers = new List<(string Name, bool Steady, Func<string, Task<(IDisposable Child, Uri Address, int Pid)>> Start)>
        {
            ("ours-v8", true, async cache => { var g = await GatewayChild.StartAsync(youtube.BaseUrl, cache, options, "v8"); return (g, g.Address, g.ProcessId); }),
            ("ours-jint", false, async cache => { var g = await GatewayChild.StartAsync(youtube.BaseUrl, cache, options, "jint"); return (g, g.Address, g.ProcessId); }),
        };
        if (YtCipherPeer.WhyNot() is { } why)
        {
            Console.WriteLine($"yt-cipher peer: not run — {why}. Measuring ours alone.");
        }
        else
        {
            servers.Add(("yt-cipher", true, async cache => { var p = await YtCipherPeer.StartAsync(youtube.BaseUrl, cache, options.Workers); return (p, p.Address, p.ProcessId); }));
        }

        var summary = new List<string>();
        foreach (var (name, steady, start) in servers)
        {
            var caches = new List<string>();
            var startedAt = Stopwatch.GetTimestamp();
            IDisposable? child = null;
            try
            {
                (child, var address, var pid) = await start(YtCipherScenario.TempDirectory(caches));
                var upSeconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
                using var load = new HttpLoad(address, Connections);
                var first = Stopwatch.GetTimestamp();
                var answer = await load.SendOnceAsync("/decrypt_signature", workload.Body(YtCipherScenario.RandomN()));
                var coldMillis = Stopwatch.GetElapsedTime(first).TotalMilliseconds;
                if (!workload.Check(answer))
                {
                    throw new InvalidOperationException($"{name} answered wrong: {answer}");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: up in {upSeconds:N1} s; first request (cold player) {coldMillis:N0} ms; RSS {ProcessMeter.RssMegabytes(pid):N0} MiB; 1-min load average {MachineLoad.LoadAverage():N2}"));
                if (!steady)
                {
                    summary.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {coldMillis:N0} | — | — | — | — | — |"));
                    continue;
                }

                var warm = await load.RunCountAsync("/decrypt_signature", () => workload.Body(YtCipherScenario.RandomN()), workload.Check, decrypts / Legs);
                var baseline = ProcessMeter.RssMegabytes(pid);
                using var scraper = new HttpClient { BaseAddress = address };
                var ours = name.StartsWith("ours", StringComparison.Ordinal);
                var heap = ours ? await ManagedHeapAsync(scraper) : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up {decrypts / Legs:N0} requests in {warm.Seconds:N1} s, failed {warm.Failures}; RSS {baseline:N0} MiB{heap}"));
                var readings = new List<double>();
                var failures = warm.Failures;
                var seconds = 0.0;
                for (var leg = 1; leg <= Legs; leg++)
                {
                    var run = await load.RunCountAsync("/decrypt_signature", () => workload.Body(YtCipherScenario.RandomN()), workload.Check, decrypts / Legs);
                    var rss = ProcessMeter.RssMegabytes(pid);
                    readings.Add(rss);
                    failures += run.Failures;
                    seconds += run.Seconds;
                    heap = ours ? await ManagedHeapAsync(scraper) : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  after {leg * (decrypts / Legs),7:N0}: RSS {rss:N0} MiB ({(rss / baseline) - 1:+0.0%;-0.0%}), {decrypts / Legs / run.Seconds:N0} req/s, failed {run.Failures}{heap}"));
                }

                var worst = readings.Max(r => Math.Abs((r / baseline) - 1));
                summary.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {coldMillis:N0} | {baseline:N0} | {readings.Min():N0} – {readings.Max():N0} | {readings[^1]:N0} | {worst:0.0%} ({(worst <= FlatBand ? "flat" : "NOT flat")}) | {decrypts / seconds:N0} req/s, failed {failures} |"));
            }
            finally
            {
                child?.Dispose();
                foreach (var cache in caches)
                {
                    Directory.Delete(cache, recursive: true);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| server | cold first request ms | RSS after warm-up MiB | RSS over {decrypts:N0} MiB | RSS at end MiB | largest drift from warm-up (± {FlatBand:0%} = flat) | warm rate |"));
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var line in summary)
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>The gateway's managed heap as its <c>/metrics</c> reports it (prometheus-net's <c>dotnet_total_memory_bytes</c>).</summary>
    private static async Task<string> ManagedHeapAsync(HttpClient client)
    {
        const string Gauge = "dotnet_total_memory_bytes ";
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Gauge, StringComparison.Ordinal)
                && double.TryParse(line.AsSpan(Gauge.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes))
            {
                return string.Create(CultureInfo.InvariantCulture, $"; managed heap {bytes / (1 << 20):N0} MiB");
            }
        }

        return "; managed heap not in /metrics";
    }
}
