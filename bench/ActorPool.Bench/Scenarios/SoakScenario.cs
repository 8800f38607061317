using System.Diagnostics;
using ActorPool.Configuration;
using ActorPool.Protocol;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario 4: a long run of tiny tasks at a small task budget (so workers retire constantly), sampling the
/// managed heap (after a forced collection) and the working set every tenth of the run.
/// </summary>
internal static class SoakScenario
{
    private const int SoakBudget = 1000;

    public static async Task RunAsync(BenchOptions options)
    {
        var total = options.Count;
        var step = Math.Max(1, total / 10);
        var settings = PoolSettings.Default with { Workers = options.Workers, TaskBudget = SoakBudget };
        Console.WriteLine();
        Console.WriteLine($"## soak — {Stats.N(total)} reverse tasks, budget {SoakBudget}, {options.Workers} workers, {options.InFlight} callers; sample every {Stats.N(step)} tasks");

        await using var host = PoolHost.Start(BenchModules.Source(), settings);
        var issued = 0L;
        var succeeded = 0L;
        var failed = 0L;
        var wrong = 0L;
        var expected = "\"" + new string(BenchModules.HundredChars.Reverse().ToArray()) + "\"";
        async Task Lane()
        {
            await Task.Yield();
            while (Interlocked.Increment(ref issued) <= total)
            {
                try
                {
                    var result = await host.Pool.RunAsync(BenchModules.Transform, "reverse", BenchModules.ReverseArgs);
                    Interlocked.Increment(ref result.Json == expected ? ref succeeded : ref wrong);
                }
                catch (ScriptPoolException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var samples = new List<(long Tasks, double Seconds, double HeapMb, double RssMb)>();
        var process = Process.GetCurrentProcess();
        var clock = Stopwatch.StartNew();
        var lanes = Enumerable.Range(0, options.InFlight).Select(_ => Lane()).ToArray();
        var all = Task.WhenAll(lanes);
        var next = (long)step;
        while (!all.IsCompleted || next <= total)
        {
            var answered = Interlocked.Read(ref succeeded) + Interlocked.Read(ref failed) + Interlocked.Read(ref wrong);
            if (answered >= next)
            {
                var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
                process.Refresh();
                samples.Add((answered, clock.Elapsed.TotalSeconds, heap, process.WorkingSet64 / 1048576.0));
                next += step;
                continue;
            }

            if (all.IsCompleted)
            {
                break;
            }

            await Task.Delay(20);
        }

        await all;
        var seconds = clock.Elapsed.TotalSeconds;
        var stats = await host.Pool.GetStatsAsync();

        Console.WriteLine();
        Console.WriteLine("| tasks answered | elapsed s | managed heap MB (after full GC) | RSS MB |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        foreach (var s in samples)
        {
            Console.WriteLine($"| {Stats.N(s.Tasks)} | {Stats.N(s.Seconds, "N1")} | {Stats.N(s.HeapMb, "N1")} | {Stats.N(s.RssMb, "N1")} |");
        }

        // Warm-up is the first sample; flatness is judged on the rest against their median.
        var steady = samples.Skip(1).ToList();
        var heapMedian = Stats.Median(steady.Select(s => s.HeapMb).ToArray());
        var rssMedian = Stats.Median(steady.Select(s => s.RssMb).ToArray());
        var heapDev = steady.Count == 0 ? 0 : steady.Max(s => Math.Abs(s.HeapMb - heapMedian) / heapMedian);
        var rssDev = steady.Count == 0 ? 0 : steady.Max(s => Math.Abs(s.RssMb - rssMedian) / rssMedian);
        var lost = total - succeeded;
        Console.WriteLine();
        Console.WriteLine($"run time {Stats.N(seconds, "N1")} s ({Stats.N(total / seconds)} tasks/s); succeeded {Stats.N(succeeded)}, failed {failed}, wrong result {wrong}, lost {lost} (target 0: {(lost == 0 ? "met" : "**missed**")})");
        Console.WriteLine($"after warm-up: heap max deviation from median {Stats.N(heapDev * 100, "N1")}%, RSS {Stats.N(rssDev * 100, "N1")}% (target ±10%: {(heapDev <= 0.10 && rssDev <= 0.10 ? "met" : "**missed**")})");
        Console.WriteLine($"pool stats: succeeded {stats.Succeeded}, retirements {string.Join(", ", stats.Retirements.Select(r => $"{r.Key}={r.Value}"))}");
    }
}
