using System.Diagnostics;
using ActorPool.YouTube.Solvers;
using Jint;
using Jint.Native;
using Xunit.Abstractions;

namespace ActorPool.YouTube.Tests.Solvers;

public sealed class SolverExtractorSpec(ITestOutputHelper output)
{
    public static TheoryData<string, SolverModuleShape> Players()
    {
        var data = new TheoryData<string, SolverModuleShape>();
        foreach (var shape in new[] { SolverModuleShape.Auto, SolverModuleShape.Lean, SolverModuleShape.Full })
        {
            foreach (var vector in Fixtures.Vectors)
            {
                data.Add(vector.PlayerId, shape);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Players))]
    public void Extracted_module_reproduces_every_sig_and_n_vector_and_the_sts(string playerId, SolverModuleShape shape)
    {
        var vector = Fixtures.Player(playerId);
        var source = Fixtures.ReadPlayer(vector);

        var watch = Stopwatch.StartNew();
        var solver = SolverExtractor.Extract(source, shape);
        var extractMs = watch.Elapsed.TotalMilliseconds;

        Assert.Equal(vector.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture), solver.Sts);
        Assert.True(solver.HasSig, "the module should export sig");
        Assert.Equal(vector.N.Count > 0, solver.HasN);

        using var engine = NewEngine();
        watch.Restart();
        engine.Modules.Add("solver", solver.ModuleSource);
        var exports = engine.Modules.Import("solver");
        var loadMs = watch.Elapsed.TotalMilliseconds;

        var failures = new List<string>();
        Check(engine, exports, "sig", vector.Sig, failures);
        Check(engine, exports, "n", vector.N, failures);
        output.WriteLine($"{playerId} {shape}: extract {extractMs:F0} ms, module {solver.ModuleSource.Length / 1024} KiB, load {loadMs:F0} ms");
        Assert.True(failures.Count == 0, $"{playerId}: {string.Join("; ", failures)}");
    }

    internal static Engine NewEngine() => new(options => options
        .LimitRecursion(1000)
        .TimeoutInterval(TimeSpan.FromSeconds(30)));

    private static void Check(Engine engine, Jint.Native.Object.ObjectInstance exports, string name, IReadOnlyList<ChallengeVector> vectors, List<string> failures)
    {
        if (vectors.Count == 0)
        {
            return;
        }

        var function = exports.Get(name);
        foreach (var challenge in vectors)
        {
            string actual;
            try
            {
                var result = engine.Invoke(function, challenge.Input);
                actual = result.IsString() ? result.AsString() : $"<{result.Type}: {result}>";
            }
            catch (Exception ex) when (ex is Jint.Runtime.JavaScriptException or InvalidOperationException or ArgumentException)
            {
                actual = $"<threw {ex.GetType().Name}: {ex.Message}>";
            }

            if (actual != challenge.Output)
            {
                failures.Add($"{name}({challenge.Input}) = {actual}, expected {challenge.Output} ({challenge.Origin})");
            }
        }
    }
}
