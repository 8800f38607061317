using System.Collections.Immutable;
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
/// below it.
/// </summary>
public sealed class PoolMessageSerializerPropertySpec(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorPoolConfig.Default), output: output)
{
    /// <summary>Text as scripts and callers produce it: any Unicode scalar values, including astral ones and NUL.</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 40],
        Gen.String[Gen.Char, 0, 60].Select(ScalarsOnly),
        Gen.Int[0, 300].Select(n => string.Concat(Enumerable.Repeat("é🎉\u0000\"\\", n))));

    private static readonly Gen<TimeSpan?> Deadline = Gen.OneOf(
        Gen.Const((TimeSpan?)null),
        Gen.Long[0, TimeSpan.MaxValue.Ticks].Select(t => (TimeSpan?)TimeSpan.FromTicks(t)));

    private static readonly Gen<IPoolMessage> AnyMessage = Gen.OneOf<IPoolMessage>(
        Gen.Select(Text, Text, Text, Text, Deadline, Gen.Bool).Select((id, m, f, args, deadline, idempotent) => (IPoolMessage)new RunScript(id, m, f, args, deadline, idempotent)),
        Text.Select(id => (IPoolMessage)new CancelScript(id)),
        Gen.Const<IPoolMessage>(GetPoolStats.Instance),
        Gen.Select(Text, Text).Select((id, json) => (IPoolMessage)new ScriptSucceeded(id, json)),
        Gen.Select(Text, Gen.Enum<FailureKind>(), Text, Gen.OneOf(Gen.Const((string?)null), Text.Select(t => (string?)t)), Gen.Enum<LimitKind>())
            .Select((id, kind, message, details, limit) => (IPoolMessage)new ScriptFailed(id, kind, message, details, limit)),
        Gen.Const<IPoolMessage>(DrainPool.Instance),
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Select((completed, cut) => (IPoolMessage)new PoolDrained(completed, cut)),
        Stats());

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
            print: m => m.ToString() ?? m.GetType().Name);

    [Fact]
    public void Every_message_type_should_be_generated() =>
        Assert.Equal(8, AnyMessage.Array[400].Single().Select(m => m.GetType()).Distinct().Count());

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
            Gen.Select(Gen.Bool, Gen.Bool, Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Int[0, int.MaxValue]),
            Gen.Enum<FailureKind>().Array[0, 6].Select(kinds => kinds.Distinct().ToImmutableDictionary(k => k, k => (long)k + 1)),
            Gen.Enum<RetirementReason>().Array[0, 6].Select(reasons => reasons.Distinct().ToImmutableDictionary(r => r, r => (long)r + 1)),
            Worker.Array[0, 4])
            .Select((counts, rest, failures, retirements, workers) => (IPoolMessage)new PoolStats(
                counts.Item1, counts.Item2, counts.Item3, counts.Item4, counts.Item5, counts.Item6,
                rest.Item1, rest.Item2, rest.Item3, failures, retirements, rest.Item4, rest.Item5)
            { Workers = workers });

    private static Gen<WorkerInfo> Worker =>
        Gen.Select(
            Gen.Select(Text.Select(ScalarsOnly), Gen.Enum<WorkerStatus>(), Text.Select(ScalarsOnly), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]),
            Gen.OneOf(Gen.Const((string?)null), Text.Select(t => (string?)ScalarsOnly(t))),
            Gen.OneOf(Gen.Const((TimeSpan?)null), Gen.Long[0, long.MaxValue].Select(t => (TimeSpan?)TimeSpan.FromTicks(t))),
            Gen.Long[0, long.MaxValue])
            .Select((a, task, running, age) => new WorkerInfo(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, task, task is null ? null : "f", running, TimeSpan.FromTicks(age)));

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
