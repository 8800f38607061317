using System.Collections.Immutable;
using System.Diagnostics;
using ActorPool.Bench.Wire;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Issue 10's wire-format question (not part of <c>all</c>): the hand-written <see cref="PoolMessageSerializer"/> against
/// <see cref="ProtoPoolMessageSerializer"/> (generated from <c>Wire/pool_messages.proto</c>), one serialize +
/// deserialize round trip through the Akka <see cref="Serializer"/> API per iteration, interleaved A B per message
/// and round. Before measuring, every protocol message is checked: each serializer round-trips it to an equal
/// record, each reads the other's bytes and bytes with an unknown field appended, and each size function matches
/// its bytes; any mismatch stops the run.
/// </summary>
internal static class WireScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        using var system = ActorSystem.Create("wire", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorPoolConfig.Default));
        var extended = (ExtendedActorSystem)system;
        var serializers = new (string Name, SerializerWithStringManifest Serializer)[]
        {
            ("hand-written", new PoolMessageSerializer(extended)),
            ("Google.Protobuf", new ProtoPoolMessageSerializer(extended)),
        };

        Console.WriteLine();
        Console.WriteLine($"## wire — hand-written codec vs .proto + Google.Protobuf, serialize + deserialize round trips, {options.Rounds} rounds x {options.Seconds}s per message and serializer (+1 discarded round)");
        var differing = AllMessages()
            .Where(m => !Verify(m.Message, m.Expected, serializers[0].Serializer, serializers[1].Serializer))
            .Select(m => Describe(m.Message))
            .ToList();
        Console.WriteLine($"checked: {AllMessages().Length} messages round-trip to equal records with both, read each other's bytes and skip an unknown field; sizes match ComputeSize");
        Console.WriteLine(differing.Count == 0
            ? $"byte-identical: all {AllMessages().Length}"
            : $"byte-identical: {AllMessages().Length - differing.Count} of {AllMessages().Length}; differ: {string.Join("; ", differing)}");

        var typical = Typical();
        var rates = new Dictionary<(string, int), List<double>>();
        var bytes = new Dictionary<(string, int), List<double>>();
        var window = TimeSpan.FromSeconds(options.Seconds);
        for (var round = -1; round < options.Rounds; round++)
        {
            for (var i = 0; i < typical.Length; i++)
            {
                foreach (var (name, serializer) in serializers)
                {
                    var (rate, allocated) = Measure(serializer, typical[i].Message, round < 0 ? TimeSpan.FromSeconds(Math.Min(1, options.Seconds)) : window);
                    if (round >= 0)
                    {
                        Add(rates, (name, i), rate);
                        Add(bytes, (name, i), allocated);
                    }
                }
            }

            if (round >= 0)
            {
                Console.WriteLine($"round {round + 1}: " + string.Join(", ", typical.Select((t, i) => $"{t.Name} {Stats.N(rates[(serializers[1].Name, i)][^1] / rates[(serializers[0].Name, i)][^1], "N2")}x")));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| message | bytes hand / proto | byte-identical | hand round trips/s (median) | proto round trips/s (median) | proto / hand (median of per-round ratios) | B allocated per round trip hand / proto | rounds hand ; proto |");
        Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |");
        for (var i = 0; i < typical.Length; i++)
        {
            var message = typical[i].Message;
            var a = serializers[0].Serializer.ToBinary(message);
            var b = serializers[1].Serializer.ToBinary(message);
            var hand = rates[(serializers[0].Name, i)];
            var proto = rates[(serializers[1].Name, i)];
            Console.WriteLine($"| {typical[i].Name} | {a.Length} / {b.Length} | {(a.AsSpan().SequenceEqual(b) ? "yes" : "**no**")} | {Stats.N(Stats.Median(hand))} | {Stats.N(Stats.Median(proto))} | {Stats.N(Stats.PairedRatio(proto, hand), "N2")} | {Stats.N(Stats.Median(bytes[(serializers[0].Name, i)]))} / {Stats.N(Stats.Median(bytes[(serializers[1].Name, i)]))} | {Stats.List(hand)} ; {Stats.List(proto)} |");
        }

        await system.Terminate();
    }

    /// <summary>Round trips per second and bytes allocated per round trip (this thread), over one window.</summary>
    private static (double Rate, double Bytes) Measure(SerializerWithStringManifest serializer, object message, TimeSpan window)
    {
        const int Batch = 256;
        var manifest = serializer.Manifest(message);
        var count = 0L;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(window.TotalSeconds * Stopwatch.Frequency);
        object? last = null;
        do
        {
            for (var i = 0; i < Batch; i++)
            {
                last = serializer.FromBinary(serializer.ToBinary(message), manifest);
            }

            count += Batch;
        }
        while (Stopwatch.GetTimestamp() < stopAt);

        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        GC.KeepAlive(last);
        return (count / elapsed, (double)allocated / count);
    }

    /// <summary>Stops the run on any mismatch; returns whether both wrote the same bytes.</summary>
    private static bool Verify(object message, object expected, SerializerWithStringManifest hand, SerializerWithStringManifest proto)
    {
        var handManifest = hand.Manifest(message);
        var protoManifest = proto.Manifest(message);
        var handBytes = hand.ToBinary(message);
        var protoBytes = proto.ToBinary(message);
        Check(handManifest == protoManifest, message, $"manifests differ: '{handManifest}' vs '{protoManifest}'");
        Check(PoolMessageSerializer.ComputeSize(message) == handBytes.Length, message, $"hand-written ComputeSize {PoolMessageSerializer.ComputeSize(message)} != {handBytes.Length} bytes");
        Check(ProtoPoolMessageSerializer.ComputeSize(message) == protoBytes.Length, message, $"proto ComputeSize {ProtoPoolMessageSerializer.ComputeSize(message)} != {protoBytes.Length} bytes");

        // Field 99, varint 1: a field a newer node might add. Both must skip it.
        byte[] unknown = [0x98, 0x06, 0x01];
        foreach (var (reader, bytes, what) in new[]
        {
            (hand, handBytes, "hand-written reads its own bytes"),
            (proto, protoBytes, "proto reads its own bytes"),
            (proto, handBytes, "proto reads the hand-written bytes"),
            (hand, protoBytes, "hand-written reads the proto bytes"),
            (hand, handBytes.Concat(unknown).ToArray(), "hand-written skips an unknown field"),
            (proto, protoBytes.Concat(unknown).ToArray(), "proto skips an unknown field"),
        })
        {
            var back = reader.FromBinary(bytes, handManifest);
            Check(Same(expected, back), message, $"{what}: got {Describe(back)}");
        }

        return handBytes.AsSpan().SequenceEqual(protoBytes);
    }

    private static void Check(bool condition, object message, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"wire check failed for {Describe(message)}: {problem}");
        }
    }

    /// <summary>Record equality, except that PoolStats' dictionaries compare by content (records compare them by reference).</summary>
    private static bool Same(object expected, object actual) => (expected, actual) switch
    {
        (PoolStats e, PoolStats a) => SameMap(e.Failures, a.Failures) && SameMap(e.Retirements, a.Retirements)
            && e == (a with { Failures = e.Failures, Retirements = e.Retirements }),
        _ => expected.Equals(actual),
    };

    private static bool SameMap<TKey>(ImmutableDictionary<TKey, long> expected, ImmutableDictionary<TKey, long> actual)
        where TKey : notnull =>
        expected.Count == actual.Count && expected.All(pair => actual.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static string Describe(object message) => message is PoolStats stats
        ? $"{stats} failures [{string.Join(", ", stats.Failures)}] retirements [{string.Join(", ", stats.Retirements)}] engine {stats.EngineKind}"
        : message.ToString() ?? message.GetType().Name;

    private static void Add(Dictionary<(string, int), List<double>> values, (string, int) key, double value)
    {
        if (!values.TryGetValue(key, out var list))
        {
            values[key] = list = [];
        }

        list.Add(value);
    }

    /// <summary>The messages that cross the network often, at their typical sizes.</summary>
    private static (string Name, object Message)[] Typical()
    {
        var kilobyte = "[\"" + string.Concat(Enumerable.Repeat(BenchModules.HundredChars, 10)) + "\", 3]";
        return
        [
            ("RunScript tiny", new RunScript("t123456", BenchModules.Transform, "reverse", BenchModules.ReverseArgs)),
            ("RunScript 1 KB args", new RunScript("t123456", BenchModules.Transform, "reverse", kilobyte, TimeSpan.FromSeconds(30), Idempotent: true)),
            ("ScriptSucceeded small", new ScriptSucceeded("t123456", "\"" + BenchModules.HundredChars + "\"")),
            ("ScriptSucceeded 1 KB", new ScriptSucceeded("t123456", kilobyte)),
            ("ScriptFailed with details", new ScriptFailed("t123456", FailureKind.ScriptError, "TypeError: Cannot read properties of undefined (reading 'länge')", StackTrace())),
            ("PoolStats", SamplePoolStats()),
        ];
    }

    /// <summary>
    /// Every protocol message with what it must read back as, including the edge cases the codec documents: a null
    /// string is not written (ids read back as "", arguments as null, a result as "null"), an empty one is.
    /// </summary>
    private static (object Message, object Expected)[] AllMessages() =>
    [
        .. Typical().Select(t => (t.Message, t.Message)),
        .. new object[]
        {
            new RunScript("t1", "m", "f", null!),
            new RunScript("t1", string.Empty, "f", string.Empty, TimeSpan.Zero),
            new CancelScript("t1"),
            new CancelScript(string.Empty),
            GetPoolStats.Instance,
            DrainPool.Instance,
            new ScriptSucceeded("t1", string.Empty),
            new ScriptFailed("t1", FailureKind.LimitExceeded, string.Empty, ScriptFailed.NeverStarted, LimitKind.Statements),
            new ScriptFailed(string.Empty, FailureKind.InvalidRequest, "bad"),
            new PoolDrained(0, 0),
            new PoolDrained(12, 3),
            SamplePoolStats() with { Failures = ImmutableDictionary<FailureKind, long>.Empty, EngineKind = string.Empty },
            new PoolStats(0, 0, 0, 0, 0, 0, false, false, 0, ImmutableDictionary<FailureKind, long>.Empty, ImmutableDictionary<RetirementReason, long>.Empty, 0, 0),
        }.Select(m => (m, m)),
        (new RunScript(null!, null!, null!, "[]"), new RunScript(string.Empty, string.Empty, string.Empty, "[]")),
        (new CancelScript(null!), new CancelScript(string.Empty)),
        (new ScriptSucceeded(null!, null!), new ScriptSucceeded(string.Empty, "null")),
        (new ScriptFailed(null!, FailureKind.Timeout, null!), new ScriptFailed(string.Empty, FailureKind.Timeout, string.Empty)),
        (SamplePoolStats() with { EngineKind = null! }, SamplePoolStats() with { EngineKind = ActorPool.Engines.ScriptEngineKinds.Jint }),
    ];

    private static string StackTrace() => string.Join("\n", Enumerable.Range(1, 6).Select(i => $"    at step{i} (transform.mjs:{10 * i}:{i + 4})"));

    private static PoolStats SamplePoolStats() =>
        new(4, 1, 3, 0, 17, 1024, false, false, 123_456_789,
            ImmutableDictionary<FailureKind, long>.Empty.Add(FailureKind.ScriptError, 42).Add(FailureKind.Timeout, 3).Add(FailureKind.Overloaded, 100_000),
            ImmutableDictionary<RetirementReason, long>.Empty.Add(RetirementReason.Budget, 250).Add(RetirementReason.Crashed, 1),
            2, 0)
        {
            EngineKind = "v8",
        };
}
