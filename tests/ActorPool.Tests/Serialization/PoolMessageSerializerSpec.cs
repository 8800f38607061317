using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Serialization;
using Akka.Configuration;
using Google.Protobuf;
using Xunit.Abstractions;

namespace ActorPool.Tests.Serialization;

public sealed class PoolMessageSerializerSpec(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(ActorPoolConfig.Default), output: output)
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private const string Unicode = "héllo, мир, 世界, 🎉 \u0000 \"quoted\" \\ back";

    public static TheoryData<IPoolMessage> EveryMessage()
    {
        var data = new TheoryData<IPoolMessage>
        {
            new RunScript("t-1", "basic", "echo", "[1]"),
            new RunScript("t-2", "mod.v2", "$fn", """["abc", {"x": [1, 2.5, null]}]""", TimeSpan.FromMilliseconds(1500), Idempotent: true),
            new RunScript("t-3", "m", "f", string.Empty, TimeSpan.FromTicks(1)),
            new RunScript("t-4", "m", "f", $"[\"{Unicode}\"]", TimeSpan.Zero),
            new RunScript("t-5", "m", "f", "[\"" + new string('a', 100_000) + "\"]"),
            new RunScript("t-6", "m", "f", "[]", TimeSpan.FromSeconds(2), Idempotent: true) { TraceParent = TraceParent, TraceState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" },
            new RunScript("t-7", "m", "f", "[]") { TraceParent = TraceParent },
            new RunScript("t-8", "m", "f", "[]") { TraceState = Unicode },
            new CancelScript("t-1"),
            new CancelScript(string.Empty),
            GetPoolStats.Instance,
            new ScriptSucceeded("t-1", "42"),
            new ScriptSucceeded("t-2", $"\"{Unicode}\""),
            new ScriptSucceeded("t-3", "\"" + new string('ü', 50_000) + "\""),
            new ScriptFailed("t-1", FailureKind.ScriptError, "Error: kaput", "at boom (faults:3:9)\nat <anonymous>"),
            new ScriptFailed("t-2", FailureKind.Cancelled, string.Empty),
            new RunScriptBatch("b-1", [new RunScript("t-1", "basic", "echo", "[1]"), new RunScript("t-2", "m", "f", $"[\"{Unicode}\"]", TimeSpan.FromMilliseconds(250), Idempotent: true)]),
            new RunScriptBatch("b-2", []),
            new ScriptBatchCompleted("b-1", [new ScriptSucceeded("t-1", "42"), new ScriptFailed("t-2", FailureKind.Timeout, "too slow", null, LimitKind.RegexTimeout), new ScriptSucceeded("t-3", $"\"{Unicode}\"")]),
            new ScriptBatchCompleted("b-2", []),
            DrainPool.Instance,
            new PoolDrained(0, 0),
            new PoolDrained(12, int.MaxValue),
            Stats(FullFailures(), FullRetirements()),
            Stats(FullFailures(), FullRetirements()) with { EngineKind = "v8", Workers = EveryWorkerState() },
            Stats(ImmutableDictionary<FailureKind, long>.Empty, ImmutableDictionary<RetirementReason, long>.Empty),
        };
        foreach (var kind in Enum.GetValues<FailureKind>())
        {
            data.Add(new ScriptFailed("k-" + kind, kind, $"failed: {kind}", Details: null));
        }

        foreach (var limit in Enum.GetValues<LimitKind>())
        {
            data.Add(new ScriptFailed("l-" + limit, FailureKind.LimitExceeded, $"limit {limit}", "details", limit));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void Every_protocol_message_should_be_bound_to_the_ActorPool_serializer_not_the_default_one(IPoolMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);

        Assert.IsType<PoolMessageSerializer>(serializer);
        Assert.Equal(PoolMessageSerializer.SerializerId, serializer.Identifier);
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void Every_protocol_message_should_round_trip_unchanged(IPoolMessage message)
    {
        var copy = RoundTrip(message, out _);

        AssertSame(message, copy);
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void ComputeSize_should_equal_the_serialized_length_and_the_upper_bound_should_not_be_below_it(IPoolMessage message)
    {
        var bytes = Sys.Serialization.FindSerializerFor(message).ToBinary(message);

        Assert.Equal(bytes.Length, PoolMessageSerializer.ComputeSize(message));
        Assert.True(PoolMessageSerializer.UpperBoundSize(message) >= bytes.Length, $"upper bound {PoolMessageSerializer.UpperBoundSize(message)} < {bytes.Length} for {message.GetType().Name}");
    }

    [Fact]
    public void Singletons_should_deserialize_to_their_single_instance()
    {
        Assert.Same(GetPoolStats.Instance, RoundTrip(GetPoolStats.Instance, out _));
        Assert.Same(DrainPool.Instance, RoundTrip(DrainPool.Instance, out _));
    }

    [Fact]
    public void A_small_request_should_take_few_bytes()
    {
        RoundTrip(new RunScript("a1b2c3d4-17", "basic", "echo", "[1]"), out var bytes);

        // 4 tags + 4 lengths + 11 + 5 + 4 + 3 characters of text.
        Assert.Equal(31, bytes.Length);
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void A_message_with_fields_this_version_does_not_know_should_still_deserialize(IPoolMessage message)
    {
        var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(message);
        var known = serializer.ToBinary(message);
        var extended = new MemoryStream();
        var output = new CodedOutputStream(extended);
        // A newer sender's fields of every wire type, before and after the known ones.
        output.WriteTag(90, WireFormat.WireType.Varint);
        output.WriteInt64(-7);
        output.WriteTag(91, WireFormat.WireType.LengthDelimited);
        output.WriteString("a field from the future");
        output.Flush();
        extended.Write(known);
        output = new CodedOutputStream(extended);
        output.WriteTag(92, WireFormat.WireType.Fixed64);
        output.WriteFixed64(123);
        output.WriteTag(93, WireFormat.WireType.Fixed32);
        output.WriteFixed32(5);
        output.Flush();

        var copy = serializer.FromBinary(extended.ToArray(), serializer.Manifest(message));

        AssertSame(message, copy);
    }

    [Fact]
    public void The_trace_context_should_travel_in_fields_7_and_8_of_RunScript()
    {
        var message = new RunScript("t-1", "basic", "echo", "[1]") { TraceParent = TraceParent, TraceState = "rojo=00f067aa0ba902b7" };

        var copy = Assert.IsType<RunScript>(RoundTrip(message, out var bytes));
        var fields = new Dictionary<int, string>();
        var input = new CodedInputStream(bytes);
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields[WireFormat.GetTagFieldNumber(tag)] = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        }

        Assert.Equal(TraceParent, copy.TraceParent);
        Assert.Equal("rojo=00f067aa0ba902b7", copy.TraceState);
        Assert.Equal(TraceParent, fields[7]);
        Assert.Equal("rojo=00f067aa0ba902b7", fields[8]);
    }

    [Fact]
    public void Missing_fields_should_take_their_defaults()
    {
        var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(GetPoolStats.Instance);

        var failed = (ScriptFailed)serializer.FromBinary([], serializer.Manifest(new ScriptFailed("x", FailureKind.Timeout, "m")));
        var run = (RunScript)serializer.FromBinary([], serializer.Manifest(new RunScript("x", "m", "f", "[]")));

        Assert.Equal(new ScriptFailed(string.Empty, FailureKind.ScriptError, string.Empty, null, LimitKind.None), failed);
        Assert.Equal(string.Empty, run.TaskId);
        Assert.Null(run.Deadline);
        Assert.False(run.Idempotent);
        Assert.Null(run.TraceParent);
        Assert.Null(run.TraceState);
    }

    [Fact]
    public void An_unknown_manifest_should_fail_with_a_SerializationException_naming_it()
    {
        var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(GetPoolStats.Instance);

        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary([], "NewMessage"));

        Assert.Contains("NewMessage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_bytes_should_fail_with_a_SerializationException()
    {
        var message = new ScriptSucceeded("t-1", "\"some result\"");
        var serializer = (PoolMessageSerializer)Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^3], serializer.Manifest(message)));
    }

    private object RoundTrip(IPoolMessage message, out byte[] bytes)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    private static void AssertSame(IPoolMessage expected, object actual)
    {
        if (expected is PoolStats stats)
        {
            var copy = Assert.IsType<PoolStats>(actual);
            // Records compare dictionaries by reference; compare their contents instead.
            Assert.Equal(stats with { Failures = copy.Failures, Retirements = copy.Retirements, Workers = copy.Workers }, copy);
            Assert.Equal(stats.Workers, copy.Workers);
            Assert.Equal(stats.Failures.OrderBy(p => p.Key), copy.Failures.OrderBy(p => p.Key));
            Assert.Equal(stats.Retirements.OrderBy(p => p.Key), copy.Retirements.OrderBy(p => p.Key));
            return;
        }

        Assert.Equal(expected, actual);
    }

    private static PoolStats Stats(ImmutableDictionary<FailureKind, long> failures, ImmutableDictionary<RetirementReason, long> retirements) =>
        new(8, 3, 4, 1, 17, 10_000, Latched: true, Draining: true, long.MaxValue, failures, retirements, 2, 5, RecoveringWorkers: 6);

    /// <summary>A worker in each state: busy ones with their task (one that started this very tick), the others without.</summary>
    private static List<WorkerInfo> EveryWorkerState() =>
        [.. Enum.GetValues<WorkerStatus>().Select((state, i) => state == WorkerStatus.Busy
            ? new WorkerInfo("worker-" + i, state, "jint", 17, 1_013, "text", "reverse", TimeSpan.FromMilliseconds(1234.5), TimeSpan.FromMinutes(3))
            : new WorkerInfo("worker-" + i, state, "v8", i, 1_000, null, null, null, TimeSpan.FromTicks(i))),
        new WorkerInfo("worker-99", WorkerStatus.Busy, "jint", 1, 1, $"m{Unicode}", "f", TimeSpan.Zero, TimeSpan.Zero)];

    private static ImmutableDictionary<FailureKind, long> FullFailures() =>
        Enum.GetValues<FailureKind>().ToImmutableDictionary(k => k, k => (long)k * 1_000_000_007L + 1);

    private static ImmutableDictionary<RetirementReason, long> FullRetirements() =>
        Enum.GetValues<RetirementReason>().ToImmutableDictionary(r => r, r => (long)r + 1);
}
