using ActorPool.Configuration;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Not a target: the pool alone on the tiny function for <c>--seconds</c>, with nothing else in the process,
/// for attaching dotnet-trace or dotnet-counters. Prints the process id first. <c>--batch n</c> (n &gt; 1) sends
/// protocol batches of n calls (<c>RunBatchAsync</c>) instead of plain calls; the default (16) is the tiny
/// scenario's batch, <c>--batch 1</c> profiles plain calls.
/// </summary>
internal static class ProfileScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var settings = PoolSettings.Default with { Workers = options.Workers };
        await using var host = PoolHost.Start(BenchModules.Source(), settings);
        var batch = Math.Max(1, options.Batch);
        Console.WriteLine($"## profile — pid {Environment.ProcessId}: pool reverse only, {(batch > 1 ? $"batches of {batch} calls" : "plain calls")}, {options.InFlight} callers, {options.Seconds}s after 1s warm-up");
        var sample = batch > 1
            ? await PoolLoad.RunBatchesForAsync(host.Pool, BenchModules.Transform, "reverse", BenchModules.ReverseArgs, batch, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds))
            : await PoolLoad.RunForAsync(host.Pool, BenchModules.Transform, "reverse", BenchModules.ReverseArgs, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds));
        Console.WriteLine($"{Stats.N(sample.Rate * batch)} calls/s, {Stats.N(sample.CpuMicrosPerTask / batch, "N1")} CPU µs/call, {Stats.N(sample.CoresBusy, "N2")} cores busy, {Stats.N(sample.BytesPerTask / batch)} B/call, run {Stats.N(sample.RunMillis, "N3")} ms");
    }
}
