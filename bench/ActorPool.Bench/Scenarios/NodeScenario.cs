using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorPool.Configuration;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario 2: the Node.js piscina peer (shared/bench/node-peer/run.sh) against the pool, same module file,
/// function, arguments, threads and tasks in flight, interleaved peer / pool per round.
/// </summary>
internal static class NodeScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var peer = Environment.GetEnvironmentVariable("ACTORPOOL_NODE_PEER")
            ?? Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "bench", "node-peer", "run.sh"));
        Console.WriteLine();
        Console.WriteLine($"## node — piscina peer vs pool, reverse(100 chars), {options.Workers} threads/workers, {options.InFlight} in flight, {options.Rounds} rounds x {options.Seconds}s");
        if (!File.Exists(peer))
        {
            Console.WriteLine($"peer script not found at {peer}; set ACTORPOOL_NODE_PEER to run.sh. Scenario skipped.");
            return;
        }

        var settings = PoolSettings.Default with { Workers = options.Workers };
        await using var host = PoolHost.Start(BenchModules.Source(), settings);
        var peerRates = new List<double>();
        var poolRates = new List<double>();
        string? peerLine = null;
        for (var round = 0; round < options.Rounds; round++)
        {
            peerLine = await RunPeerAsync(peer, options);
            using (var json = JsonDocument.Parse(peerLine))
            {
                peerRates.Add(json.RootElement.GetProperty("tasks_per_s").GetDouble());
            }

            var p = await PoolLoad.RunForAsync(host.Pool, BenchModules.Transform, "reverse", BenchModules.ReverseArgs, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds));
            poolRates.Add(p.Rate);
            Console.WriteLine($"round {round + 1}: peer {Stats.N(peerRates[^1])} tasks/s, pool {Stats.N(poolRates[^1])} tasks/s (failed {p.Failures})");
        }

        var ratio = Stats.PairedRatio(poolRates, peerRates);
        Console.WriteLine($"peer output (last round): {peerLine}");
        Console.WriteLine();
        Console.WriteLine("| runner | tasks/s (median) | rounds |");
        Console.WriteLine("| --- | ---: | --- |");
        Console.WriteLine($"| piscina peer | {Stats.N(Stats.Median(peerRates))} | {Stats.List(peerRates)} |");
        Console.WriteLine($"| ActorPool | {Stats.N(Stats.Median(poolRates))} | {Stats.List(poolRates)} |");
        Console.WriteLine($"| **pool / peer** | **{Stats.N(ratio, "N2")}×** (target ≥ 5×: {(ratio >= 5 ? "met" : "**missed**")}) | |");
    }

    private static async Task<string> RunPeerAsync(string peer, BenchOptions options)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = BenchModules.RepoRoot,
        };
        foreach (var arg in new[]
        {
            peer, BenchModules.TransformPath, "reverse", BenchModules.ReverseArgs,
            options.Workers.ToString(CultureInfo.InvariantCulture), options.InFlight.ToString(CultureInfo.InvariantCulture),
            options.Seconds.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash for the node peer");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = (await stdout).Trim();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the node peer failed (exit {process.ExitCode}): {await stderr}");
        }

        return output.Split('\n')[^1];
    }
}
