using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.YouTube.Solvers;
using Jint;
using Jint.Native;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario "constraints": what each Jint constraint costs on loop-heavy code. One engine on one thread calls
/// the same function back to back under each configuration — no constraint, each constraint alone, the
/// production set (what <see cref="JintScriptEngine"/> installs), and the production set with Jint's own
/// allocation-counting <c>LimitMemory</c> in place of the held-memory constraint — interleaved per round, and
/// reports calls/s and the median of per-round ratios against "none" and against "production". Workloads: the
/// YouTube solver's <c>n</c> of the newest fixture player (when ../shared/fixtures is present) and
/// <c>work(n)</c> from bench/modules/transform.mjs.
/// </summary>
internal static class ConstraintsScenario
{
    private const string SolverPlayer = "4918c89a";
    private const long MemoryLimit = 256L << 20;

    private sealed record Config(string Name, Action<Options> Apply);

    private sealed record Workload(string Name, string Module, string Function, JsValue[] Args);

    public static Task RunAsync(BenchOptions options)
    {
        var limits = PoolSettings.Default.Engine;
        var never = new CancellationTokenSource();
        Config[] configs =
        [
            new("none", _ => { }),
            new("held memory (ours, amortized)", o => o.Constraint(new HeldMemoryConstraint(MemoryLimit))),
            new("Jint LimitMemory (exact, allocations)", o => o.LimitMemory(MemoryLimit)),
            new("statements (1e9)", o => o.MaxStatements(1_000_000_000)),
            new("time (5 min)", o => o.TimeoutInterval(TimeSpan.FromMinutes(5))),
            new("cancellation token", o => o.CancellationToken(never.Token)),
            new("recursion limit 1000", o => o.LimitRecursion(1000)),
            new("stack guard", o => o.Constraints.StackOverflowGuard = true),
            new("production (every limit)", o => Production(o, limits, held: true, never.Token)),
            new("production, Jint LimitMemory instead", o => Production(o, limits, held: false, never.Token)),
            new("production + statements (1e9)", o => { Production(o, limits, held: true, never.Token); o.MaxStatements(1_000_000_000); }),
        ];

        var workloads = new List<Workload>();
        if (SolverWorkload() is { } solver)
        {
            workloads.Add(solver);
        }

        workloads.Add(new("work(" + options.WorkN.ToString(CultureInfo.InvariantCulture) + ")", File.ReadAllText(BenchModules.TransformPath), "work", [options.WorkN]));

        var window = TimeSpan.FromSeconds(Math.Max(0.05, options.Seconds / 5));
        var rounds = Math.Max(1, options.Rounds);
        Console.WriteLine();
        Console.WriteLine($"## constraints — one engine, one thread, calls/s per Jint constraint configuration; {rounds} interleaved rounds of {window.TotalSeconds:0.##} s per configuration");
        foreach (var workload in workloads)
        {
            var rates = configs.ToDictionary(c => c.Name, _ => new List<double>(), StringComparer.Ordinal);
            // One discarded pass, so tiered JIT of Jint's interpreter is done before any round counts.
            foreach (var config in configs)
            {
                Measure(config, workload, limits, window);
            }

            for (var round = 0; round < rounds; round++)
            {
                // Rotate the order each round so no configuration always runs first (JIT, heap growth).
                for (var k = 0; k < configs.Length; k++)
                {
                    var config = configs[(k + round) % configs.Length];
                    rates[config.Name].Add(Measure(config, workload, limits, window));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"### {workload.Name}");
            Console.WriteLine();
            Console.WriteLine("| configuration | calls/s (median) | ÷ none | ÷ production |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var config in configs)
            {
                var r = rates[config.Name];
                Console.WriteLine($"| {config.Name} | {Stats.N(Stats.Median(r))} | {Stats.N(Stats.PairedRatio(r, rates["none"]), "N2")}× | {Stats.N(Stats.PairedRatio(r, rates["production (every limit)"]), "N2")}× |");
            }
        }

        Console.WriteLine();
        Console.WriteLine("Target (issue 9.2): held memory on ≥ 0.95× off. Production keeps every limit; statements are off by default (max-statements = 0).");
        return Task.CompletedTask;
    }

    /// <summary>The constraints <see cref="JintScriptEngine"/> installs, with the memory limit of either kind.</summary>
    private static void Production(Options o, EngineLimits limits, bool held, CancellationToken never)
    {
        o.LimitRecursion(limits.RecursionLimit);
        o.Constraints.StackOverflowGuard = true;
        o.Constraints.RegexTimeout = limits.RegexTimeout;
        o.CancellationToken(never);
        o.TimeoutInterval(limits.TimeLimit > TimeSpan.Zero ? limits.TimeLimit : TimeSpan.FromMinutes(1));
        if (held)
        {
            o.Constraint(new HeldMemoryConstraint(MemoryLimit));
        }
        else
        {
            o.LimitMemory(MemoryLimit);
        }
    }

    private static double Measure(Config config, Workload workload, EngineLimits limits, TimeSpan window)
    {
        var rate = 0.0;
        // A thread sized like a worker's engine thread, so the stack guard sees the same stack.
        var thread = new Thread(
            () =>
            {
                using var engine = new Engine(config.Apply);
                engine.Modules.Add("m", workload.Module);
                var fn = engine.Modules.Import("m").Get(workload.Function);
                for (var i = 0; i < 20; i++)
                {
                    engine.Invoke(fn, JsValue.Undefined, workload.Args);
                }

                var calls = 0;
                var started = Stopwatch.GetTimestamp();
                var end = started + (long)(window.TotalSeconds * Stopwatch.Frequency);
                long now;
                do
                {
                    engine.Invoke(fn, JsValue.Undefined, workload.Args);
                    calls++;
                    now = Stopwatch.GetTimestamp();
                }
                while (now < end);

                rate = calls / ((now - started) / (double)Stopwatch.Frequency);
            },
            limits.ThreadStackSize);
        thread.Start();
        thread.Join();
        return rate;
    }

    private static Workload? SolverWorkload()
    {
        var fixtures = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "fixtures", "youtube"));
        var vectorsPath = Path.Combine(fixtures, "vectors.json");
        if (!File.Exists(vectorsPath))
        {
            Console.WriteLine($"(no fixtures at {vectorsPath}: the solver workload is skipped)");
            return null;
        }

        using var vectors = JsonDocument.Parse(File.ReadAllText(vectorsPath));
        var vector = vectors.RootElement.EnumerateArray().Single(v => v.GetProperty("player_id").GetString() == SolverPlayer);
        var source = File.ReadAllText(Path.Combine(fixtures, vector.GetProperty("file").GetString()!));
        var n = vector.GetProperty("n")[0].GetProperty("input").GetString()!;
        return new("solver n (player " + SolverPlayer + ")", SolverExtractor.Extract(source).ModuleSource, "n", [n]);
    }
}
