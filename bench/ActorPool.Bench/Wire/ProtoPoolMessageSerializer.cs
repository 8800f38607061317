using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorPool.Engines;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Manifests = ActorPool.Serialization.PoolMessageSerializer.Manifests;

namespace ActorPool.Bench.Wire;

/// <summary>
/// The candidate replacement of <see cref="ActorPool.Serialization.PoolMessageSerializer"/>: the same manifests and
/// bytes, with the codec generated from <c>pool_messages.proto</c> by Grpc.Tools and only the record ⇄ message
/// mapping written here. Complete for every protocol message; what the <c>wire</c> scenario measures.
/// </summary>
internal sealed class ProtoPoolMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Not bound in any configuration; distinct from the real serializer's 4711 all the same.</summary>
    public const int SerializerId = 4712;

    public ProtoPoolMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        RunScript => Manifests.RunScript,
        CancelScript => Manifests.CancelScript,
        GetPoolStats => Manifests.GetPoolStats,
        ScriptSucceeded => Manifests.ScriptSucceeded,
        ScriptFailed => Manifests.ScriptFailed,
        DrainPool => Manifests.DrainPool,
        PoolDrained => Manifests.PoolDrained,
        PoolStats => Manifests.PoolStats,
        _ => throw Unknown(o),
    };

    public override byte[] ToBinary(object obj) => ToProto(obj)?.ToByteArray() ?? [];

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            return manifest switch
            {
                Manifests.RunScript => FromProto(Proto.RunScript.Parser.ParseFrom(bytes)),
                Manifests.CancelScript => new CancelScript(Proto.CancelScript.Parser.ParseFrom(bytes).TaskId),
                Manifests.GetPoolStats => GetPoolStats.Instance,
                Manifests.ScriptSucceeded => FromProto(Proto.ScriptSucceeded.Parser.ParseFrom(bytes)),
                Manifests.ScriptFailed => FromProto(Proto.ScriptFailed.Parser.ParseFrom(bytes)),
                Manifests.DrainPool => DrainPool.Instance,
                Manifests.PoolDrained => FromProto(Proto.PoolDrained.Parser.ParseFrom(bytes)),
                Manifests.PoolStats => FromProto(Proto.PoolStats.Parser.ParseFrom(bytes)),
                _ => throw new SerializationException($"Unknown ActorPool message manifest '{manifest}'; the sender runs a newer ActorPool version than this node."),
            };
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SerializationException($"Malformed ActorPool message '{manifest}' ({bytes.Length} bytes): {ex.Message}", ex);
        }
    }

    /// <summary>The serialized size, for the payload limit (<c>PayloadLimit</c>): it builds the message to measure it.</summary>
    public static int ComputeSize(object message) => ToProto(message)?.CalculateSize() ?? 0;

    /// <summary>The generated message for <paramref name="message"/>; null for the field-less singletons.</summary>
    private static IMessage? ToProto(object message)
    {
        // Generated string setters refuse null, and the codec writes nothing for a null string (a remote caller
        // that Asks the supervisor directly can send one), so every string is set only when present.
        switch (message)
        {
            case RunScript run:
                var r = new Proto.RunScript { Idempotent = run.Idempotent };
                if (run.TaskId is { } taskId)
                {
                    r.TaskId = taskId;
                }

                if (run.Module is { } module)
                {
                    r.Module = module;
                }

                if (run.Function is { } function)
                {
                    r.Function = function;
                }

                if (run.ArgsJson is { } args)
                {
                    r.ArgsJson = args;
                }

                if (run.Deadline is { } deadline)
                {
                    r.DeadlineTicks = deadline.Ticks;
                }

                return r;
            case CancelScript cancel:
                var c = new Proto.CancelScript();
                if (cancel.TaskId is { } cancelled)
                {
                    c.TaskId = cancelled;
                }

                return c;
            case GetPoolStats or DrainPool:
                return null;
            case ScriptSucceeded ok:
                var s = new Proto.ScriptSucceeded();
                if (ok.TaskId is { } succeeded)
                {
                    s.TaskId = succeeded;
                }

                if (ok.ResultJson is { } result)
                {
                    s.ResultJson = result;
                }

                return s;
            case ScriptFailed failed:
                var f = new Proto.ScriptFailed { Kind = (int)failed.Kind, Limit = (int)failed.Limit };
                if (failed.TaskId is { } failedId)
                {
                    f.TaskId = failedId;
                }

                if (failed.Message is { } text)
                {
                    f.Message = text;
                }

                if (failed.Details is { } details)
                {
                    f.Details = details;
                }

                return f;
            case PoolDrained drained:
                return new Proto.PoolDrained { Completed = drained.Completed, CutOff = drained.CutOff };
            case PoolStats stats:
                var p = new Proto.PoolStats
                {
                    TargetWorkers = stats.TargetWorkers,
                    IdleWorkers = stats.IdleWorkers,
                    BusyWorkers = stats.BusyWorkers,
                    StartingWorkers = stats.StartingWorkers,
                    QueueLength = stats.QueueLength,
                    MaxQueueLength = stats.MaxQueueLength,
                    Latched = stats.Latched,
                    Draining = stats.Draining,
                    Succeeded = stats.Succeeded,
                    AbandonedEngines = stats.AbandonedEngines,
                    ConsecutiveStartFailures = stats.ConsecutiveStartFailures,
                };
                CopyMap(stats.Failures, p.Failures);
                CopyMap(stats.Retirements, p.Retirements);
                if (stats.EngineKind is { } engineKind)
                {
                    p.EngineKind = engineKind;
                }

                return p;
            default:
                throw Unknown(message);
        }
    }

    // Absent strings read back as the codec reads them: "" for ids and names, null for arguments and details.
    private static RunScript FromProto(Proto.RunScript m) =>
        new(m.TaskId, m.Module, m.Function, m.HasArgsJson ? m.ArgsJson : null!, m.HasDeadlineTicks ? TimeSpan.FromTicks(m.DeadlineTicks) : null, m.Idempotent);

    private static ScriptSucceeded FromProto(Proto.ScriptSucceeded m) => new(m.TaskId, m.HasResultJson ? m.ResultJson : "null");

    private static ScriptFailed FromProto(Proto.ScriptFailed m) =>
        new(m.TaskId, (FailureKind)m.Kind, m.Message, m.HasDetails ? m.Details : null, (LimitKind)m.Limit);

    private static PoolDrained FromProto(Proto.PoolDrained m) => new(m.Completed, m.CutOff);

    private static PoolStats FromProto(Proto.PoolStats m) =>
        new(m.TargetWorkers, m.IdleWorkers, m.BusyWorkers, m.StartingWorkers, m.QueueLength, m.MaxQueueLength, m.Latched, m.Draining, m.Succeeded,
            m.Failures.ToImmutableDictionary(e => (FailureKind)e.Key, e => e.Value),
            m.Retirements.ToImmutableDictionary(e => (RetirementReason)e.Key, e => e.Value),
            m.AbandonedEngines, m.ConsecutiveStartFailures)
        {
            EngineKind = m.HasEngineKind ? m.EngineKind : ScriptEngineKinds.Jint,
        };

    /// <summary>Copies an enum-keyed count map in its own order, which is the order the codec writes it in.</summary>
    private static void CopyMap<TKey>(ImmutableDictionary<TKey, long>? from, MapField<int, long> to)
        where TKey : struct, Enum
    {
        foreach (var (key, value) in from ?? ImmutableDictionary<TKey, long>.Empty)
        {
            to[Convert.ToInt32(key, System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
    }

    private static SerializationException Unknown(object? message) =>
        new($"{message?.GetType().FullName ?? "null"} is not an ActorPool protocol message known to {nameof(ProtoPoolMessageSerializer)}.");
}
