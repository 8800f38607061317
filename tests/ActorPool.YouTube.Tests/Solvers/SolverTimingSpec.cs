using System.Diagnostics;
using System.Globalization;
using ActorPool.YouTube.Solvers;
using Jint;
using Xunit.Abstractions;

namespace ActorPool.YouTube.Tests.Solvers;

/// <summary>Measures extraction, module load and per-call solve times; prints them, asserts only a loose bound
/// (the CI machine has 2 cores, so tight time assertions would be flaky).</summary>
[Collection(TimingGroup.Name)]
public sealed class SolverTimingSpec(ITestOutputHelper output)
{
    [Theory]
    [InlineData("4918c89a", SolverModuleShape.Auto)]
    [InlineData("449ea0a5", SolverModuleShape.Auto)]
    [InlineData("4918c89a", SolverModuleShape.Full)]
    [InlineData("449ea0a5", SolverModuleShape.Full)]
    public void Extraction_of_a_warm_extractor_takes_under_two_seconds_even_on_a_busy_two_core_machine(string playerId, SolverModuleShape shape)
    {
        var vector = Fixtures.Player(playerId);
        var source = Fixtures.ReadPlayer(vector);
        SolverExtractor.Extract(source, shape); // warm-up: JIT

        var watch = Stopwatch.StartNew();
        const int Runs = 3;
        ExtractedSolver solver = null!;
        for (var i = 0; i < Runs; i++)
        {
            solver = SolverExtractor.Extract(source, shape);
        }

        var extractMs = watch.Elapsed.TotalMilliseconds / Runs;

        using var engine = SolverExtractorSpec.NewEngine();
        watch.Restart();
        engine.Modules.Add("solver", solver.ModuleSource);
        var exports = engine.Modules.Import("solver");
        var loadMs = watch.Elapsed.TotalMilliseconds;

        var sig = exports.Get("sig");
        var n = exports.Get("n");
        engine.Invoke(sig, vector.Sig[0].Input);
        engine.Invoke(n, vector.N[0].Input);
        const int Calls = 50;
        watch.Restart();
        for (var i = 0; i < Calls; i++)
        {
            engine.Invoke(sig, vector.Sig[i % vector.Sig.Count].Input);
        }

        var sigMs = watch.Elapsed.TotalMilliseconds / Calls;
        watch.Restart();
        for (var i = 0; i < Calls; i++)
        {
            engine.Invoke(n, vector.N[i % vector.N.Count].Input);
        }

        var nMs = watch.Elapsed.TotalMilliseconds / Calls;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{playerId} {shape}: player {source.Length / 1024} KiB, extract {extractMs:F0} ms, module {solver.ModuleSource.Length / 1024} KiB, Jint load {loadMs:F0} ms, sig {sigMs:F2} ms/call, n {nMs:F2} ms/call"));
        Assert.True(extractMs < 2000, $"extraction took {extractMs:F0} ms");
    }
}

/// <summary>Timing measurements run alone, not beside the other specs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingGroup
{
    public const string Name = "timing";
}
