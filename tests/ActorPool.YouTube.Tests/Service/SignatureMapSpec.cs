using ActorPool.YouTube.Service;
using ActorPool.YouTube.Solvers;
using ActorPool.YouTube.Tests.Solvers;
using Jint;
using Jint.Native;

namespace ActorPool.YouTube.Tests.Service;

/// <summary>The signature fast path: an index map learnt from two probes, or a refusal.</summary>
public sealed class SignatureMapSpec
{
    public static TheoryData<string> PlayerIds()
    {
        var data = new TheoryData<string>();
        foreach (var vector in Fixtures.Vectors)
        {
            data.Add(vector.PlayerId);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PlayerIds))]
    public void The_index_map_should_agree_with_the_JavaScript_sig_call_on_every_fixture_vector(string playerId)
    {
        var vector = Fixtures.Player(playerId);
        var solver = SolverExtractor.Extract(Fixtures.ReadPlayer(vector));
        using var engine = SolverExtractorSpec.NewEngine();
        engine.Modules.Add("solver", solver.ModuleSource);
        var exports = engine.Modules.Import("solver");
        var solve = exports.Get(ExtractedSolver.SolveExport);
        var sig = exports.Get(ExtractedSolver.SigExport);

        foreach (var challenge in vector.Sig)
        {
            // What the service sends the first time it meets a length: the signature and both probes, in one call.
            var (first, second) = SignatureMap.Probes(challenge.Input.Length);
            var answer = engine.Invoke(solve, engine.Intrinsics.Array.Construct([challenge.Input, first, second]), JsValue.Null).AsObject();
            var sigs = answer.Get("sig").AsArray();
            Assert.Equal(3u, sigs.Length);
            Assert.True(answer.Get("n").IsNull(), "n was not asked for");
            var map = SignatureMap.TryLearn(sigs[1].AsString(), sigs[2].AsString(), challenge.Input, sigs[0].AsString());
            Assert.NotNull(map);

            // Every vector of that length, answered by reindexing, equals the JavaScript call and the fixture.
            foreach (var other in vector.Sig.Where(v => v.Input.Length == challenge.Input.Length))
            {
                var js = engine.Invoke(sig, other.Input).AsString();
                Assert.Equal(js, map.Apply(other.Input));
                Assert.Equal(other.Output, map.Apply(other.Input));
            }
        }
    }

    [Fact]
    public void The_combined_export_should_answer_n_in_the_same_call()
    {
        var vector = Fixtures.Player("4918c89a");
        var solver = SolverExtractor.Extract(Fixtures.ReadPlayer(vector));
        using var engine = SolverExtractorSpec.NewEngine();
        engine.Modules.Add("solver", solver.ModuleSource);
        var solve = engine.Modules.Import("solver").Get(ExtractedSolver.SolveExport);

        var answer = engine.Invoke(solve, engine.Intrinsics.Array.Construct([vector.Sig[0].Input]), vector.N[0].Input).AsObject();

        Assert.Equal(vector.Sig[0].Output, answer.Get("sig").AsArray()[0].AsString());
        Assert.Equal(vector.N[0].Output, answer.Get("n").AsString());
    }

    public static TheoryData<string> NotReindexings() => ["substitution", "longer", "character-dependent", "inconsistent"];

    [Theory]
    [MemberData(nameof(NotReindexings))]
    public void A_transform_that_is_not_a_reindexing_should_not_be_learnt(string kind)
    {
        var transform = Transform(kind);
        var input = new string(Enumerable.Range(0, 104).Select(i => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(i * 7) % 64]).ToArray());
        var (first, second) = SignatureMap.Probes(input.Length);

        Assert.Null(SignatureMap.TryLearn(transform(first), transform(second), input, transform(input)));
    }

    [Fact]
    public void A_splice_reverse_swap_transform_should_be_learnt_and_reproduced()
    {
        var transform = Transform("reindexing");
        var input = new string(Enumerable.Range(0, 104).Select(i => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(i * 7) % 64]).ToArray());
        var (first, second) = SignatureMap.Probes(input.Length);

        var map = SignatureMap.TryLearn(transform(first), transform(second), input, transform(input));

        Assert.NotNull(map);
        var other = new string(input.Reverse().ToArray());
        Assert.Equal(transform(other), map.Apply(other));
        Assert.Throws<ArgumentException>(() => map.Apply(other[1..]));
    }

    // Stand-ins for player transforms, in C#: the map only ever sees their outputs.
    private static Func<string, string> Transform(string kind) => kind switch
    {
        "reindexing" => s =>
        {
            var a = s.ToCharArray().Reverse().ToList();
            a.RemoveRange(0, 3);
            (a[0], a[17 % a.Count]) = (a[17 % a.Count], a[0]);
            return new string([.. a]);
        },
        "substitution" => s => new string([.. s.Select(c => (char)(c + 1))]),
        "longer" => s => s + s[0],
        // Swaps two positions only when the first character is ASCII: the probes (non-ASCII) and a real signature disagree.
        "character-dependent" => s => s[0] < 128 ? s[1] + s[0].ToString() + s[2..] : s,
        // A different permutation for the second probe's range than for the first's.
        "inconsistent" => s => s[0] >= 0x4E00 ? s[1..] + s[0] : s,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
