using ActorPool.Configuration;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Not a target: the pool alone on the tiny function for <c>--seconds</c>, with nothing else in the process,
/// for attaching dotnet-trace or dotnet-counters. Prints the process id first.
/// </summary>
internal static class ProfileScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var settings = PoolSettings.Default with { Workers = options.Workers };
        await using var host = PoolHost.Start(BenchModules.Source(), settings);
        Console.WriteLine($"## profile — pid {Environment.ProcessId}: pool reverse only, {options.InFlight} callers, {options.Seconds}s after 1s warm-up");
        var sample = await PoolLoad.RunForAsync(host.Pool, BenchModules.Transform, "reverse", BenchModules.ReverseArgs, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds));
        Console.WriteLine($"{Stats.N(sample.Rate)} tasks/s, {Stats.N(sample.CpuMicrosPerTask, "N1")} CPU µs/task, {Stats.N(sample.CoresBusy, "N2")} cores busy, {Stats.N(sample.BytesPerTask)} B/task, run {Stats.N(sample.RunMillis, "N3")} ms");
    }
}
