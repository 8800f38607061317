using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Serialization;
using Akka.Configuration;
using CsCheck;
using Xunit.Abstractions;

namespace ActorPool.Tests.Serialization;

/// <summary>
/// The wire serializer over generated messages of every type (CsCheck; a failure prints the seed to replay):
/// each round-trips unchanged, its computed size is its serialized length, and the cheap upper bound is never
/// below it. The protocol's message types are found by reflection, so a new type without a generator fails here.
/// </summary>
public sealed class PoolMessageSerializerPropertySpec(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorPoolConfig.Default), output: output)
{
    /// <summary>Text as scripts and callers produce it: any Unicode scalar values, astral ones, NUL, empty and long.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
        (6, Gen.String[Gen.Char.AlphaNumeric, 0, 40]),
        (6, Gen.String[Gen.Char, 0, 60].Select(ScalarsOnly)),
        (3, Gen.Int[0, 300].Select(n => string.Concat(Enumerable.Repeat("é🎉\u0000\"\\", n)))),
        // Only characters outside the Basic Multilingual Plane (surrogate pairs, four UTF-8 bytes each).
        (3, Gen.Int[0x10000, 0x10FFFF].Array[0, 30].Select(points => string.Concat(points.Select(char.ConvertFromUtf32)))),
        (2, Gen.Const(string.Empty)),
        // Long: lengths whose varint prefix takes two and three bytes.
        (1, Gen.Select(Gen.Int[100, 70_000], Gen.Char['a', 'z']).Select((n, c) => new string(c, n))),
        (1, Gen.Int[5_000, 20_000].Select(n => string.Concat(Enumerable.Repeat("ж𝄞", n)))));

    private static readonly Gen<string?> OptionalText = Gen.OneOf(Gen.Const((string?)null), Text.Select(t => (string?)t));

    private static readonly Gen<TimeSpan?> Deadline = Gen.OneOf(
        Gen.Const((TimeSpan?)null),
        Gen.Long[0, TimeSpan.MaxValue.Ticks].Select(t => (TimeSpan?)TimeSpan.FromTicks(t)));

    private static readonly Gen<RunScript> Run =
        Gen.Select(Gen.Select(Text, Text, Text, Text), Deadline, Gen.Bool, OptionalText, OptionalText)
            .Select((texts, deadline, idempotent, traceParent, traceState) =>
                new RunScript(texts.Item1, texts.Item2, texts.Item3, texts.Item4, deadline, idempotent) { TraceParent = traceParent, TraceState = traceState });

    private static readonly Gen<ScriptSucceeded> Succeeded = Gen.Select(Text, Text).Select((id, json) => new ScriptSucceeded(id, json));

    private static readonly Gen<ScriptFailed> Failed =
        Gen.Select(Text, Gen.Enum<FailureKind>(), Text, Gen.Frequency((1, Gen.Const((string?)ScriptFailed.NeverStarted)), (4, OptionalText)), Gen.Enum<LimitKind>())
            .Select((id, kind, message, details, limit) => new ScriptFailed(id, kind, message, details, limit));

    private static readonly Gen<IScriptReply> Reply = Gen.OneOf(Succeeded.Select(r => (IScriptReply)r), Failed.Select(r => (IScriptReply)r));

    /// <summary>One generator per message type; a new message type is one line here (the spec below finds the missing ones).</summary>
    private static readonly IReadOnlyDictionary<Type, Gen<IPoolMessage>> Generators = new Dictionary<Type, Gen<IPoolMessage>>
    {
        [typeof(RunScript)] = Run.Select(m => (IPoolMessage)m),
        [typeof(CancelScript)] = Text.Select(id => (IPoolMessage)new CancelScript(id)),
        [typeof(GetPoolStats)] = Gen.Const<IPoolMessage>(GetPoolStats.Instance),
        [typeof(ScriptSucceeded)] = Succeeded.Select(m => (IPoolMessage)m),
        [typeof(ScriptFailed)] = Failed.Select(m => (IPoolMessage)m),
        [typeof(DrainPool)] = Gen.Const<IPoolMessage>(DrainPool.Instance),
        [typeof(PoolDrained)] = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Select((completed, cut) => (IPoolMessage)new PoolDrained(completed, cut)),
        [typeof(PoolStats)] = Stats(),
        [typeof(RunScriptBatch)] = Gen.Select(Text, Run.Array[0, 8]).Select((id, calls) => (IPoolMessage)new RunScriptBatch(id, calls)),
        [typeof(ScriptBatchCompleted)] = Gen.Select(Text, Reply.Array[0, 8]).Select((id, replies) => (IPoolMessage)new ScriptBatchCompleted(id, replies)),
    };

    private static readonly Gen<IPoolMessage> AnyMessage = Gen.OneOf([.. Generators.Values]);

    [Fact]
    public void Every_generated_message_should_round_trip_unchanged_with_its_computed_size() =>
        AnyMessage.Sample(
            message =>
            {
                var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(message);
                var bytes = serializer.ToBinary(message);
                var copy = serializer.FromBinary(bytes, serializer.Manifest(message));

                AssertSame(message, copy);
                Assert.Equal(bytes.Length, PoolMessageSerializer.ComputeSize(message));
                Assert.True(PoolMessageSerializer.UpperBoundSize(message) >= bytes.Length, $"upper bound {PoolMessageSerializer.UpperBoundSize(message)} < {bytes.Length}");
            },
            iter: 3000,
            print: Describe);

    [Fact]
    public void Every_message_type_of_the_protocol_should_have_a_generator_of_its_own_type()
    {
        var types = typeof(IPoolMessage).Assembly.GetTypes()
            .Where(t => typeof(IPoolMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();

        Assert.True(types.Count >= 10, "found only " + string.Join(", ", types.Select(t => t.Name)));
        var missing = types.Where(t => !Generators.ContainsKey(t)).Select(t => t.Name).Order().ToList();
        Assert.True(missing.Count == 0, "message types without a generator (add one line to Generators): " + string.Join(", ", missing));
        foreach (var (type, gen) in Generators)
        {
            Assert.All(gen.Array[20].Single(), message => Assert.IsType(type, message));
        }
    }

    [Fact]
    public void The_serializer_should_name_every_message_type_it_is_bound_to()
    {
        var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(GetPoolStats.Instance);

        var manifests = Generators.Select(g => (g.Key, Manifest: serializer.Manifest(g.Value.Single()))).ToList();

        Assert.All(manifests, m => Assert.IsType<PoolMessageSerializer>(Sys.Serialization.FindSerializerForType(m.Key)));
        Assert.Equal(manifests.Count, manifests.Select(m => m.Manifest).Distinct().Count());
    }

    /// <summary>
    /// A generator that leaves a property at one value would let a field the serializer drops pass the round trip:
    /// every property of every generated type takes at least two values (collections: two sizes) over a sample.
    /// </summary>
    [Fact]
    public void Every_property_of_every_message_type_should_be_generated_with_more_than_one_value()
    {
        var constant = new List<string>();
        foreach (var (type, gen) in Generators)
        {
            var sample = gen.Array[300].Single();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
            {
                var values = sample.Select(m => Fingerprint(property.GetValue(m))).Distinct().Count();
                if (values < 2)
                {
                    constant.Add($"{type.Name}.{property.Name}");
                }
            }
        }

        Assert.True(constant.Count == 0, "properties generated with one value only: " + string.Join(", ", constant));
    }

    [Fact]
    public void Batches_should_carry_empty_strings_and_non_BMP_text_in_every_call_and_reply()
    {
        var run = new RunScript(string.Empty, "𝄞", "f", "[\"🎉\"]") { TraceParent = string.Empty };
        var batch = new RunScriptBatch("b", [run, run with { TaskId = "2" }]);
        var completed = new ScriptBatchCompleted("b", [new ScriptSucceeded(string.Empty, string.Empty), new ScriptFailed("2", FailureKind.LimitExceeded, "𝄞", "details", LimitKind.Recursion)]);

        foreach (IPoolMessage message in new IPoolMessage[] { batch, completed })
        {
            var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(message);
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));
        }
    }

    [Fact]
    public void A_lone_surrogate_in_any_text_should_arrive_as_the_replacement_character_not_break_the_message() =>
        Gen.Select(Text, Gen.Char['\ud800', '\udfff'], Text).Sample(
            (before, lone, after) =>
            {
                // JavaScript strings may hold lone surrogates (an error message, a result's key); UTF-8 cannot.
                var message = new ScriptFailed(before + lone + after, FailureKind.ScriptError, before + lone + after);
                var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(message);
                var copy = (ScriptFailed)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

                Assert.Equal(before + '\ufffd' + after, copy.Message);
                Assert.Equal(before + '\ufffd' + after, copy.TaskId);
            },
            iter: 500);

    private static Gen<IPoolMessage> Stats() =>
        Gen.Select(
            Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]),
            Gen.Select(Gen.Bool, Gen.Bool, Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, 1000]),
            Gen.Select(Gen.Enum<FailureKind>(), Gen.Long[0, long.MaxValue]).Array[0, 8].Select(pairs => pairs.DistinctBy(p => p.Item1).ToImmutableDictionary(p => p.Item1, p => p.Item2)),
            Gen.Select(Gen.Enum<RetirementReason>(), Gen.Long[0, long.MaxValue]).Array[0, 8].Select(pairs => pairs.DistinctBy(p => p.Item1).ToImmutableDictionary(p => p.Item1, p => p.Item2)),
            Worker.Array[0, 4],
            Gen.OneOf(Gen.Const("jint"), Gen.Const("v8"), Text))
            .Select((counts, rest, failures, retirements, workers, engine) => (IPoolMessage)new PoolStats(
                counts.Item1, counts.Item2, counts.Item3, counts.Item4, counts.Item5, counts.Item6,
                rest.Item1, rest.Item2, rest.Item3, failures, retirements, rest.Item4, rest.Item5, rest.Item6)
            { Workers = workers, EngineKind = engine });

    private static Gen<WorkerInfo> Worker =>
        Gen.Select(
            Gen.Select(Text, Gen.Enum<WorkerStatus>(), Text, Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]),
            OptionalText,
            OptionalText,
            Gen.OneOf(Gen.Const((TimeSpan?)null), Gen.Long[0, long.MaxValue].Select(t => (TimeSpan?)TimeSpan.FromTicks(t))),
            Gen.Long[0, long.MaxValue])
            .Select((a, module, function, running, age) => new WorkerInfo(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, module, function, running, TimeSpan.FromTicks(age)));

    /// <summary>A value's identity for <see cref="Every_property_of_every_message_type_should_be_generated_with_more_than_one_value"/>.</summary>
    private static string Fingerprint(object? value) => value switch
    {
        null => "null",
        string text => "s:" + text,
        IDictionary map => "map:" + map.Count,
        IEnumerable items => "list:" + items.Cast<object?>().Count(),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Describe(IPoolMessage message)
    {
        var text = message.ToString() ?? message.GetType().Name;
        return text.Length > 2000 ? text[..2000] + "…" : text;
    }

    /// <summary>Drops lone surrogates: UTF-8 on the wire cannot carry them (a spec above pins what becomes of them).</summary>
    private static string ScalarsOnly(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(text[i]).Append(text[++i]);
            }
            else if (!char.IsSurrogate(text[i]))
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }

    private static void AssertSame(IPoolMessage expected, object actual)
    {
        if (expected is PoolStats stats)
        {
            var copy = Assert.IsType<PoolStats>(actual);
            Assert.Equal(stats with { Failures = copy.Failures, Retirements = copy.Retirements, Workers = copy.Workers }, copy);
            Assert.Equal(stats.Workers, copy.Workers);
            Assert.Equal(stats.Failures.OrderBy(p => p.Key), copy.Failures.OrderBy(p => p.Key));
            Assert.Equal(stats.Retirements.OrderBy(p => p.Key), copy.Retirements.OrderBy(p => p.Key));
            return;
        }

        Assert.Equal(expected, actual);
    }
}
