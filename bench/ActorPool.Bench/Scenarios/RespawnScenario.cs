using System.Diagnostics;
using System.Globalization;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario 3: how long a worker respawn takes with a 1 MB module. Measured two ways: the engine-level cost
/// (new engine + loading the already prepared module, what a replacement worker does before it is ready),
/// and the caller-visible gap in a one-worker pool (latency of the first task after a budget retirement
/// minus the median latency of the others).
/// </summary>
internal static class RespawnScenario
{
    private const string Big = "big";
    private const string BigPrivate = "big-private";
    private const int Budget = 50;

    public static async Task RunAsync(BenchOptions options)
    {
        var code = BenchModules.Large(1 << 20);
        var source = BenchModules.Source().Set(Big, code).Set(BigPrivate, BenchModules.Large(1 << 20, exportAll: false));
        var catalog = new ModuleCatalog(source);
        var settings = PoolSettings.Default with { Workers = 1, TaskBudget = Budget, BudgetJitter = 0, PreloadModules = [Big] };
        Console.WriteLine();
        Console.WriteLine($"## respawn — generated module of {Stats.N(code.Length)} chars, {code.Split("export function").Length - 1} exported functions");

        var clock = Stopwatch.StartNew();
        _ = catalog.Get(Big).Prepared;
        var prepareMs = clock.Elapsed.TotalMilliseconds;
        _ = catalog.Get(BigPrivate).Prepared;

        // Alternate the two module shapes so both see the same background load.
        var iterations = Math.Max(10, options.Rounds * 10);
        List<double> loadMs = [], firstCallMs = [], privateLoadMs = [];
        for (var i = 0; i < iterations / 5; i++)
        {
            var (load, first) = MeasureEngineStarts(settings.Engine, catalog, Big, 5);
            loadMs.AddRange(load);
            firstCallMs.AddRange(first);
            privateLoadMs.AddRange(MeasureEngineStarts(settings.Engine, catalog, BigPrivate, 5).Load);
        }

        var gaps = await MeasurePoolGapsAsync(source, settings, cycles: Math.Max(10, options.Rounds * 5));

        // The same pool with tasks of about 1 ms (work(n), n calibrated on a raw engine): a budget of 50 then lasts
        // about twice an engine start, so the successor started ahead can be ready when the last task is handed out.
        var oneMs = CalibrateWork(settings.Engine, catalog);
        var slowGaps = await MeasurePoolGapsAsync(source, settings with { PreloadModules = [Big, BenchModules.Transform] }, cycles: Math.Max(10, options.Rounds * 5), (BenchModules.Transform, "work", oneMs));

        Console.WriteLine();
        Console.WriteLine("| measure | median ms | p90 ms | samples | target |");
        Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
        Console.WriteLine($"| prepare (parse) the 1 MB module, once per process | {Stats.N(prepareMs, "N1")} | | 1 | |");
        Console.WriteLine($"| new engine + load prepared module (worker start work) | {Stats.N(Stats.Median(loadMs), "N2")} | {Stats.N(Stats.Percentile(loadMs, 0.9), "N2")} | {loadMs.Count} | ≤ 15 ms: {(Stats.Median(loadMs) <= 15 ? "met" : "**missed**")} |");
        Console.WriteLine($"| same size, only f0 exported (5,000 private functions): new engine + load | {Stats.N(Stats.Median(privateLoadMs), "N2")} | {Stats.N(Stats.Percentile(privateLoadMs, 0.9), "N2")} | {privateLoadMs.Count} | (diagnostic) |");
        Console.WriteLine($"| … plus the first call of one exported function | {Stats.N(Stats.Median(firstCallMs), "N2")} | {Stats.N(Stats.Percentile(firstCallMs, 0.9), "N2")} | {firstCallMs.Count} | |");
        Console.WriteLine($"| pool: caller-visible respawn gap after a budget retirement (1 worker, budget {Budget}) | {Stats.N(Stats.Median(gaps), "N2")} | {Stats.N(Stats.Percentile(gaps, 0.9), "N2")} | {gaps.Count} | ≤ 2 ms: {(Stats.Median(gaps) <= 2 ? "met" : "**missed**")} |");
        Console.WriteLine($"| … same, tasks of about 1 ms (`work`, budget {Budget} ≈ 50 ms of work per worker) | {Stats.N(Stats.Median(slowGaps), "N2")} | {Stats.N(Stats.Percentile(slowGaps, 0.9), "N2")} | {slowGaps.Count} | ≤ 2 ms: {(Stats.Median(slowGaps) <= 2 ? "met" : "**missed**")} |");
    }

    private static (List<double> Load, List<double> FirstCall) MeasureEngineStarts(EngineLimits limits, ModuleCatalog catalog, string module, int iterations)
    {
        var load = new List<double>();
        var first = new List<double>();
        var thread = new Thread(
            () =>
            {
                for (var i = 0; i < iterations + 1; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    using var engine = new JintScriptEngine(limits, catalog);
                    engine.EnsureModule(module);
                    var loaded = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    engine.Call(module, module == Big ? "f" + (i * 37).ToString(CultureInfo.InvariantCulture) : "f0", "[1]", CancellationToken.None);
                    var called = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (i >= 1)
                    {
                        // The first start on each thread warms up; a long-running pool only pays that once.
                        load.Add(loaded);
                        first.Add(called);
                    }
                }
            },
            limits.ThreadStackSize);
        thread.Start();
        thread.Join();
        return (load, first);
    }

    /// <summary>Arguments of <c>work</c> that take about 1 ms on a warm raw engine.</summary>
    private static string CalibrateWork(EngineLimits limits, ModuleCatalog catalog)
    {
        const int Probe = 20_000;
        var ms = RawJint.CallMilliseconds(limits, catalog, BenchModules.Transform, "work", $"[{Probe}]", 50);
        var n = Math.Max(1, (int)(Probe / ms));
        Console.WriteLine($"work({Probe}) takes {Stats.N(ms, "N3")} ms raw: work({n}) ≈ 1 ms");
        return string.Create(CultureInfo.InvariantCulture, $"[{n}]");
    }

    private static async Task<List<double>> MeasurePoolGapsAsync(InMemoryModuleSource source, PoolSettings settings, int cycles, (string Module, string Function, string Args)? call = null)
    {
        await using var host = PoolHost.Start(source, settings);
        var latencies = new double[(cycles + 1) * Budget];
        for (var i = 0; i < latencies.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (call is { } c)
            {
                await host.Pool.RunAsync(c.Module, c.Function, c.Args);
            }
            else
            {
                await host.Pool.RunAsync(Big, "f" + (i % 500).ToString(CultureInfo.InvariantCulture), "[1]");
            }

            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        // Task k*Budget is the first one after worker k retired: it waits for the replacement to be ready.
        var normal = Stats.Median(latencies.Where((_, i) => i % Budget != 0).ToArray());
        var gaps = new List<double>();
        for (var k = 1; k <= cycles; k++)
        {
            gaps.Add(latencies[k * Budget] - normal);
        }

        Console.WriteLine($"pool: median latency of an ordinary task {Stats.N(normal, "N3")} ms (sequential, one in flight); first task after each retirement: {Stats.List(gaps.Select(g => g + normal), "N1")} ms");
        return gaps;
    }
}
