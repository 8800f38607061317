using System.Diagnostics;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Engines.Tests.Conformance;

/// <summary>
/// A pool at the highest recursion limit (100,000) with the default engine thread stack, called with scripts that
/// recurse every way the engines see differently. Played in a child process (<see cref="Program"/>): a native
/// stack overflow ends the process, which a spec must see as a failure of its own, not as a test host that vanished.
/// </summary>
public static class DeepRecursionChild
{
    public const string Scenario = "deep-recursion";

    public const int RecursionLimit = 100_000;

    /// <summary>The routes, one exported function each; every one must be answered LimitExceeded(recursion).</summary>
    public static IReadOnlyList<string> Routes { get; } = ["plain", "mutual", "getter", "apply", "allocating", "resultToJSON", "resultGetter"];

    private const string Module = """
        export function plain(n) { return plain(n + 1) + 1; }
        function even(n) { return odd(n + 1) + 1; }
        function odd(n) { return even(n + 1) + 1; }
        export function mutual() { return even(0); }
        export function getter() { const o = { get x() { return this.x; } }; return o.x; }
        export function apply() { const f = function (n) { return f.apply(null, [n + 1]) + 1; }; return f(0); }
        export function allocating() { const f = n => { const row = new Array(16).fill(n); return f(n + 1) + row.length; }; return f(0); }
        export function resultToJSON() { const o = { toJSON() { return JSON.stringify(o); } }; return o; }
        export function resultGetter() { return { get x() { return this.x; } }; }
        export function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
        """;

    /// <summary>
    /// Writes <c>engine &lt;kind&gt;</c>, then one line per route (<c>route kind limit message</c>, tab-separated, flushed at
    /// once so a crash shows the route that caused it), then <c>after ok &lt;json&gt;</c>: a legal recursion served after
    /// them all.
    /// </summary>
    public static async Task<int> RunAsync(string engineKind, TextWriter output)
    {
        using var system = ActorSystem.Create("deep-recursion", ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR"));
        var defaults = PoolSettings.Default;
        var settings = defaults with
        {
            EngineKind = engineKind,
            Workers = 1,
            // Unwinding tens of thousands of Jint frames takes seconds on a busy machine: no time limit may answer first.
            InFlightTimeout = TimeSpan.FromMinutes(2),
            Engine = defaults.Engine with { RecursionLimit = RecursionLimit, TimeLimit = TimeSpan.FromMinutes(2) },
        };
        var pool = ScriptPool.Start(system, new InMemoryModuleSource().Set("deep", Module), settings, "deep");
        await Line(output, "engine", (await pool.GetStatsAsync()).EngineKind);
        foreach (var route in Routes)
        {
            try
            {
                var result = await pool.RunAsync("deep", route, "[0]");
                await Line(output, route, "ok", result.Json);
            }
            catch (ScriptPoolException ex)
            {
                await Line(output, route, ex.Kind.ToString(), ex.Limit.ToString(), ex.Message);
            }
        }

        await Line(output, "after", "ok", (await pool.RunAsync("deep", "depth", "[1000]")).Json);
        await system.Terminate();
        return 0;
    }

    private static async Task Line(TextWriter output, params string[] fields)
    {
        await output.WriteLineAsync(string.Join('\t', fields.Select(f => f.ReplaceLineEndings(" "))));
        await output.FlushAsync();
    }
}

/// <summary>
/// V8 and Jint at <c>recursion-limit = 100000</c> (issue 17): every deep recursion is answered
/// <c>LimitExceeded(recursion)</c>, the process survives, and the pool serves the next call. Each engine runs in a
/// child process (<see cref="DeepRecursionChild"/>).
/// </summary>
public abstract class DeepRecursionConformanceSpec
{
    protected abstract string EngineKind { get; }

    [Fact]
    public async Task Pool_at_recursion_limit_100000_should_answer_LimitExceeded_recursion_for_every_route_and_survive()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ActorPool.Engines.Tests.dll"), DeepRecursionChild.Scenario, EngineKind])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await child.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail($"the child did not finish within 5 minutes; it wrote:\n{await stdout}\n{await stderr}");
        }

        var output = await stdout;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('\t')).ToList();
        var transcript = $"exit code {child.ExitCode}; output:\n{output}\n{await stderr}";
        Assert.True(child.ExitCode == 0, "the process did not survive: " + transcript);
        Assert.Equal(["engine", EngineKind], lines[0]);
        var wrong = DeepRecursionChild.Routes
            .Select(route => (route, answer: lines.FirstOrDefault(l => l[0] == route)))
            .Where(r => r.answer is null || r.answer[1] != nameof(FailureKind.LimitExceeded) || r.answer[2] != nameof(LimitKind.Recursion) || !r.answer[3].Contains("actor-pool.engine.recursion-limit", StringComparison.Ordinal))
            .Select(r => r.route + " answered " + (r.answer is null ? "nothing" : string.Join(' ', r.answer[1..])))
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong) + "\n" + transcript);
        Assert.Equal(["after", "ok", "1000"], lines[^1]);
    }
}

public sealed class V8DeepRecursionConformanceSpec : DeepRecursionConformanceSpec
{
    protected override string EngineKind => ScriptEngineKinds.V8;
}

public sealed class JintDeepRecursionConformanceSpec : DeepRecursionConformanceSpec
{
    protected override string EngineKind => ScriptEngineKinds.Jint;
}
