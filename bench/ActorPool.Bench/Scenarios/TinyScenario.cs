using System.Globalization;
using ActorPool.Configuration;
using ActorPool.Modules;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario 1: raw Jint (N engines on N threads, tight loop) against the pool (N workers, K callers through
/// the facade, plainly and as protocol batches of <c>--batch</c> calls), interleaved A B A B, for a tiny
/// function and a loop-heavy one.
/// </summary>
internal static class TinyScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var settings = PoolSettings.Default with { Workers = options.Workers };
        var source = BenchModules.Source();
        var catalog = new ModuleCatalog(source);
        var module = BenchModules.Transform;
        var workArgs = string.Create(CultureInfo.InvariantCulture, $"[{options.WorkN}]");
        var batchArgs = string.Create(CultureInfo.InvariantCulture, $"[\"{BenchModules.HundredChars}\", {options.Batch}]");
        var warmup = TimeSpan.FromSeconds(1);
        var measure = TimeSpan.FromSeconds(options.Seconds);

        await using var host = PoolHost.Start(source, settings);
        var runs = new (string Name, Func<Task<Sample>> Run, int CallsPerTask)[]
        {
            ("raw reverse", () => Task.FromResult(RawJint.Run(settings.Engine, catalog, module, "reverse", BenchModules.ReverseArgs, options.Workers, warmup, measure)), 1),
            ("pool reverse", () => PoolLoad.RunForAsync(host.Pool, module, "reverse", BenchModules.ReverseArgs, options.InFlight, warmup, measure), 1),
            ("pool reverseBatch", () => PoolLoad.RunForAsync(host.Pool, module, "reverseBatch", batchArgs, options.InFlight, warmup, measure), options.Batch),
            ("pool RunBatchAsync", () => PoolLoad.RunBatchesForAsync(host.Pool, module, "reverse", BenchModules.ReverseArgs, options.Batch, options.InFlight, warmup, measure), options.Batch),
            ("raw work", () => Task.FromResult(RawJint.Run(settings.Engine, catalog, module, "work", workArgs, options.Workers, warmup, measure)), 1),
            ("pool work", () => PoolLoad.RunForAsync(host.Pool, module, "work", workArgs, options.InFlight, warmup, measure), 1),
        };

        // One discarded round first: the JIT tiers Jint's interpreter up, and the pool's actors and engines start.
        Console.WriteLine();
        Console.WriteLine($"## tiny — {options.Workers} raw threads vs pool of {options.Workers} workers, {options.InFlight} callers, {options.Rounds} rounds x {options.Seconds}s (+1s warm-up each, +1 discarded round)");
        foreach (var run in runs)
        {
            await run.Run();
        }

        var reverseMs = RawJint.CallMilliseconds(settings.Engine, catalog, module, "reverse", BenchModules.ReverseArgs, 2000);
        var workMs = RawJint.CallMilliseconds(settings.Engine, catalog, module, "work", workArgs, 50);
        Console.WriteLine($"reverse(100 chars): {Stats.N(reverseMs * 1000, "N1")} µs/call on one warm engine; work({options.WorkN}): {Stats.N(workMs, "N2")} ms/call; batch = {options.Batch} reverse calls in one task");

        var samples = runs.ToDictionary(r => r.Name, _ => new List<Sample>());
        for (var round = 0; round < options.Rounds; round++)
        {
            // A B A B: each raw/pool pair runs back to back so both see the same background load.
            foreach (var run in runs)
            {
                var sample = await run.Run();
                samples[run.Name].Add(sample with { Rate = sample.Rate * run.CallsPerTask });
            }

            Console.WriteLine($"round {round + 1}: " + string.Join(", ", runs.Select(r => $"{r.Name} {Stats.N(samples[r.Name][^1].Rate, "N1")}/s")));
        }

        Console.WriteLine();
        Console.WriteLine("| function | raw Jint calls/s (median) | pool calls/s (median) | pool / raw | target | met | rounds raw ; pool |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- | --- |");
        Row("reverse, one call per task (facade, plain)", samples["raw reverse"], samples["pool reverse"], 0.35, "N0");
        Row($"reverse, {options.Batch} calls per task (reverseBatch)", samples["raw reverse"], samples["pool reverseBatch"], 0.85, "N0");
        Row($"reverse, {options.Batch} calls per protocol batch (RunBatchAsync)", samples["raw reverse"], samples["pool RunBatchAsync"], 0.90, "N0");
        Row($"work({options.WorkN})", samples["raw work"], samples["pool work"], 0.95, "N1");
        Console.WriteLine();
        Console.WriteLine("| run | CPU µs per call (process) | cores busy | bytes allocated per task | pool run ms (hand-over → answer, mean) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        {
            var list = samples[run.Name];
            Console.WriteLine($"| {run.Name} | {Stats.N(Stats.Median([.. list.Select(s => s.CpuMicrosPerTask / run.CallsPerTask)]), "N1")} | {Stats.N(Stats.Median([.. list.Select(s => s.CoresBusy)]), "N2")} | {Stats.N(Stats.Median([.. list.Select(s => s.BytesPerTask)]))} | {Stats.N(Stats.Median([.. list.Select(s => s.RunMillis)]), "N3")} |");
        }

        Console.WriteLine($"failed tasks: {samples.Values.Sum(l => l.Sum(s => s.Failures))}");
    }

    private static void Row(string name, List<Sample> rawSamples, List<Sample> poolSamples, double target, string format)
    {
        var raw = rawSamples.Select(s => s.Rate).ToList();
        var pool = poolSamples.Select(s => s.Rate).ToList();
        var ratio = Stats.PairedRatio(pool, raw);
        Console.WriteLine($"| {name} | {Stats.N(Stats.Median(raw), format)} | {Stats.N(Stats.Median(pool), format)} | {Stats.N(ratio, "N2")} | ≥ {Stats.N(target, "N2")} | {(ratio >= target ? "yes" : "**no**")} | {Stats.List(raw, format)} ; {Stats.List(pool, format)} |");
    }
}
