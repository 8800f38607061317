using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace ActorPool.Serialization;

/// <summary>
/// The wire format of every <see cref="IPoolMessage"/>: one protobuf message per record, written and read by hand
/// with Google.Protobuf's coded streams (no code generation), named by a short string manifest.
/// </summary>
/// <remarks>
/// <para>
/// Protobuf wire format keeps the bytes compact (varints, no field names) and versionable: a reader skips fields it
/// does not know, and a field it expects but does not find takes its default. Rules for changing a message: add
/// fields with new numbers, never reuse or renumber one, and only append enum members (enums travel as their
/// numeric value). The field numbers of each message are listed on its manifest constant in
/// <see cref="Manifests"/>.
/// </para>
/// <para>
/// Strings are written whenever they are not null (so null and empty stay distinct), numbers and flags only when
/// they differ from their default. Bound to <see cref="IPoolMessage"/> by <see cref="Configuration.ActorPoolConfig.Default"/>
/// under the serializer id <see cref="SerializerId"/>.
/// </para>
/// </remarks>
public sealed class PoolMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id on the wire (<c>akka.actor.serialization-identifiers</c>); unique, above Akka's reserved range 0..100.</summary>
    public const int SerializerId = 4711;

    /// <summary>Creates the serializer; Akka calls this when the binding is configured.</summary>
    /// <param name="system">The actor system the serializer belongs to.</param>
    public PoolMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
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
        RunScriptBatch => Manifests.RunScriptBatch,
        ScriptBatchCompleted => Manifests.ScriptBatchCompleted,
        _ => throw Unknown(o),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var size = ComputeSize(obj);
        if (size == 0)
        {
            return [];
        }

        var bytes = new byte[size];
        var output = new CodedOutputStream(bytes);
        Write(output, obj);
        output.Flush();
        output.CheckNoSpaceLeft();
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            var input = new CodedInputStream(bytes);
            return manifest switch
            {
                Manifests.RunScript => ReadRunScript(input),
                Manifests.CancelScript => ReadCancelScript(input),
                Manifests.GetPoolStats => GetPoolStats.Instance,
                Manifests.ScriptSucceeded => ReadScriptSucceeded(input),
                Manifests.ScriptFailed => ReadScriptFailed(input),
                Manifests.DrainPool => DrainPool.Instance,
                Manifests.PoolDrained => ReadPoolDrained(input),
                Manifests.PoolStats => ReadPoolStats(input),
                Manifests.RunScriptBatch => ReadRunScriptBatch(input),
                Manifests.ScriptBatchCompleted => ReadScriptBatchCompleted(input),
                _ => throw new SerializationException($"Unknown ActorPool message manifest '{manifest}'; the sender runs a newer ActorPool version than this node."),
            };
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SerializationException($"Malformed ActorPool message '{manifest}' ({bytes.Length} bytes): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The serialized size of <paramref name="message"/> in bytes, computed without serializing it. Used to refuse
    /// messages over <c>actor-pool.remote.max-payload</c> before they reach the transport.
    /// </summary>
    internal static int ComputeSize(object message)
    {
        switch (message)
        {
            case RunScript run:
                return StringSize(1, run.TaskId) + StringSize(2, run.Module) + StringSize(3, run.Function) + StringSize(4, run.ArgsJson)
                    + (run.Deadline is { } deadline ? 1 + CodedOutputStream.ComputeInt64Size(deadline.Ticks) : 0)
                    + (run.Idempotent ? 2 : 0)
                    + StringSize(7, run.TraceParent) + StringSize(8, run.TraceState);
            case CancelScript cancel:
                return StringSize(1, cancel.TaskId);
            case GetPoolStats or DrainPool:
                return 0;
            case ScriptSucceeded ok:
                return StringSize(1, ok.TaskId) + StringSize(2, ok.ResultJson);
            case ScriptFailed failed:
                return StringSize(1, failed.TaskId) + VarintSize(2, (int)failed.Kind) + StringSize(3, failed.Message)
                    + StringSize(4, failed.Details) + VarintSize(5, (int)failed.Limit);
            case PoolDrained drained:
                return VarintSize(1, drained.Completed) + VarintSize(2, drained.CutOff);
            case PoolStats stats:
                return VarintSize(1, stats.TargetWorkers) + VarintSize(2, stats.IdleWorkers) + VarintSize(3, stats.BusyWorkers)
                    + VarintSize(4, stats.StartingWorkers) + VarintSize(5, stats.QueueLength) + VarintSize(6, stats.MaxQueueLength)
                    + (stats.Latched ? 2 : 0) + (stats.Draining ? 2 : 0) + VarintSize(9, stats.Succeeded)
                    + MapSize(10, stats.Failures) + MapSize(11, stats.Retirements)
                    + VarintSize(12, stats.AbandonedEngines) + VarintSize(13, stats.ConsecutiveStartFailures)
                    + VarintSize(14, stats.RecoveringWorkers)
                    + StringSize(15, stats.EngineKind)
                    + (stats.Workers ?? []).Sum(worker => FieldSize(16, WorkerInfoSize(worker)));
            case RunScriptBatch batch:
                return StringSize(1, batch.TaskId) + (batch.Calls ?? []).Sum(call => NestedSize(2, call));
            case ScriptBatchCompleted completed:
                return StringSize(1, completed.TaskId) + (completed.Replies ?? []).Sum(reply => FieldSize(2, NestedSize(ReplyField(reply), reply)));
            default:
                throw Unknown(message);
        }
    }

    /// <summary>
    /// A cheap upper bound of <see cref="ComputeSize"/> for messages that carry text: UTF-8 needs at most three
    /// bytes per UTF-16 char, so a message whose bound fits a limit needs no exact (O(length)) count.
    /// </summary>
    internal static long UpperBoundSize(object message) => message switch
    {
        RunScript run => 64L + (3L * ((long)(run.TaskId?.Length ?? 0) + (run.Module?.Length ?? 0) + (run.Function?.Length ?? 0) + (run.ArgsJson?.Length ?? 0)
            + (run.TraceParent?.Length ?? 0) + (run.TraceState?.Length ?? 0))),
        ScriptSucceeded ok => 32L + (3L * ((long)(ok.TaskId?.Length ?? 0) + (ok.ResultJson?.Length ?? 0))),
        ScriptFailed failed => 48L + (3L * ((long)(failed.TaskId?.Length ?? 0) + (failed.Message?.Length ?? 0) + (failed.Details?.Length ?? 0))),
        _ => ComputeSize(message),
    };

    private static void Write(CodedOutputStream output, object message)
    {
        switch (message)
        {
            case RunScript run:
                WriteString(output, 1, run.TaskId);
                WriteString(output, 2, run.Module);
                WriteString(output, 3, run.Function);
                WriteString(output, 4, run.ArgsJson);
                if (run.Deadline is { } deadline)
                {
                    output.WriteTag(5, WireFormat.WireType.Varint);
                    output.WriteInt64(deadline.Ticks);
                }

                WriteBool(output, 6, run.Idempotent);
                WriteString(output, 7, run.TraceParent);
                WriteString(output, 8, run.TraceState);
                break;
            case CancelScript cancel:
                WriteString(output, 1, cancel.TaskId);
                break;
            case ScriptSucceeded ok:
                WriteString(output, 1, ok.TaskId);
                WriteString(output, 2, ok.ResultJson);
                break;
            case ScriptFailed failed:
                WriteString(output, 1, failed.TaskId);
                WriteVarint(output, 2, (int)failed.Kind);
                WriteString(output, 3, failed.Message);
                WriteString(output, 4, failed.Details);
                WriteVarint(output, 5, (int)failed.Limit);
                break;
            case PoolDrained drained:
                WriteVarint(output, 1, drained.Completed);
                WriteVarint(output, 2, drained.CutOff);
                break;
            case PoolStats stats:
                WriteVarint(output, 1, stats.TargetWorkers);
                WriteVarint(output, 2, stats.IdleWorkers);
                WriteVarint(output, 3, stats.BusyWorkers);
                WriteVarint(output, 4, stats.StartingWorkers);
                WriteVarint(output, 5, stats.QueueLength);
                WriteVarint(output, 6, stats.MaxQueueLength);
                WriteBool(output, 7, stats.Latched);
                WriteBool(output, 8, stats.Draining);
                WriteVarint(output, 9, stats.Succeeded);
                WriteMap(output, 10, stats.Failures);
                WriteMap(output, 11, stats.Retirements);
                WriteVarint(output, 12, stats.AbandonedEngines);
                WriteVarint(output, 13, stats.ConsecutiveStartFailures);
                WriteVarint(output, 14, stats.RecoveringWorkers);
                WriteString(output, 15, stats.EngineKind);
                foreach (var worker in stats.Workers ?? [])
                {
                    output.WriteTag(16, WireFormat.WireType.LengthDelimited);
                    output.WriteLength(WorkerInfoSize(worker));
                    WriteWorkerInfo(output, worker);
                }

                break;
            case RunScriptBatch batch:
                WriteString(output, 1, batch.TaskId);
                foreach (var call in batch.Calls ?? [])
                {
                    WriteNested(output, 2, call);
                }

                break;
            case ScriptBatchCompleted completed:
                WriteString(output, 1, completed.TaskId);
                foreach (var reply in completed.Replies ?? [])
                {
                    // Each reply is wrapped ({1 succeeded | 2 failed}) so the order of the calls survives.
                    output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    output.WriteLength(NestedSize(ReplyField(reply), reply));
                    WriteNested(output, ReplyField(reply), reply);
                }

                break;
        }
    }

    private static RunScript ReadRunScript(CodedInputStream input)
    {
        string? taskId = null, module = null, function = null, args = null, traceParent = null, traceState = null;
        TimeSpan? deadline = null;
        var idempotent = false;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    taskId = input.ReadString();
                    break;
                case 2 when IsLengthDelimited(tag):
                    module = input.ReadString();
                    break;
                case 3 when IsLengthDelimited(tag):
                    function = input.ReadString();
                    break;
                case 4 when IsLengthDelimited(tag):
                    args = input.ReadString();
                    break;
                case 5 when IsVarint(tag):
                    deadline = TimeSpan.FromTicks(input.ReadInt64());
                    break;
                case 6 when IsVarint(tag):
                    idempotent = input.ReadBool();
                    break;
                case 7 when IsLengthDelimited(tag):
                    traceParent = input.ReadString();
                    break;
                case 8 when IsLengthDelimited(tag):
                    traceState = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        // A missing argument string stays null so the pool rejects it exactly as it would locally.
        return new RunScript(taskId ?? string.Empty, module ?? string.Empty, function ?? string.Empty, args!, deadline, idempotent)
        {
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }

    private static CancelScript ReadCancelScript(CodedInputStream input)
    {
        string? taskId = null;
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1 && IsLengthDelimited(tag))
            {
                taskId = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return new CancelScript(taskId ?? string.Empty);
    }

    private static ScriptSucceeded ReadScriptSucceeded(CodedInputStream input)
    {
        string? taskId = null, result = null;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    taskId = input.ReadString();
                    break;
                case 2 when IsLengthDelimited(tag):
                    result = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new ScriptSucceeded(taskId ?? string.Empty, result ?? "null");
    }

    private static ScriptFailed ReadScriptFailed(CodedInputStream input)
    {
        string? taskId = null, message = null, details = null;
        var kind = default(FailureKind);
        var limit = LimitKind.None;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    taskId = input.ReadString();
                    break;
                case 2 when IsVarint(tag):
                    kind = (FailureKind)input.ReadInt32();
                    break;
                case 3 when IsLengthDelimited(tag):
                    message = input.ReadString();
                    break;
                case 4 when IsLengthDelimited(tag):
                    details = input.ReadString();
                    break;
                case 5 when IsVarint(tag):
                    limit = (LimitKind)input.ReadInt32();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new ScriptFailed(taskId ?? string.Empty, kind, message ?? string.Empty, details, limit);
    }

    private static PoolDrained ReadPoolDrained(CodedInputStream input)
    {
        int completed = 0, cutOff = 0;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsVarint(tag):
                    completed = input.ReadInt32();
                    break;
                case 2 when IsVarint(tag):
                    cutOff = input.ReadInt32();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new PoolDrained(completed, cutOff);
    }

    private static PoolStats ReadPoolStats(CodedInputStream input)
    {
        int target = 0, idle = 0, busy = 0, starting = 0, queue = 0, maxQueue = 0, startFailures = 0, recovering = 0;
        bool latched = false, draining = false;
        long succeeded = 0, abandoned = 0;
        var engineKind = Engines.ScriptEngineKinds.Jint;
        var failures = ImmutableDictionary.CreateBuilder<FailureKind, long>();
        var retirements = ImmutableDictionary.CreateBuilder<RetirementReason, long>();
        List<WorkerInfo>? workers = null;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsVarint(tag):
                    target = input.ReadInt32();
                    break;
                case 2 when IsVarint(tag):
                    idle = input.ReadInt32();
                    break;
                case 3 when IsVarint(tag):
                    busy = input.ReadInt32();
                    break;
                case 4 when IsVarint(tag):
                    starting = input.ReadInt32();
                    break;
                case 5 when IsVarint(tag):
                    queue = input.ReadInt32();
                    break;
                case 6 when IsVarint(tag):
                    maxQueue = input.ReadInt32();
                    break;
                case 7 when IsVarint(tag):
                    latched = input.ReadBool();
                    break;
                case 8 when IsVarint(tag):
                    draining = input.ReadBool();
                    break;
                case 9 when IsVarint(tag):
                    succeeded = input.ReadInt64();
                    break;
                case 10 when IsLengthDelimited(tag):
                    var (failureKind, failureCount) = ReadMapEntry(input);
                    failures[(FailureKind)failureKind] = failureCount;
                    break;
                case 11 when IsLengthDelimited(tag):
                    var (reason, retired) = ReadMapEntry(input);
                    retirements[(RetirementReason)reason] = retired;
                    break;
                case 12 when IsVarint(tag):
                    abandoned = input.ReadInt64();
                    break;
                case 13 when IsVarint(tag):
                    startFailures = input.ReadInt32();
                    break;
                case 14 when IsVarint(tag):
                    recovering = input.ReadInt32();
                    break;
                case 15 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    engineKind = input.ReadString();
                    break;
                case 16 when IsLengthDelimited(tag):
                    (workers ??= []).Add(ReadWorkerInfo(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new PoolStats(target, idle, busy, starting, queue, maxQueue, latched, draining, succeeded, failures.ToImmutable(), retirements.ToImmutable(), abandoned, startFailures, recovering)
        {
            EngineKind = engineKind,
            Workers = workers ?? PoolStats.NoWorkers,
        };
    }

    /// <summary>{1 name, 2 state, 3 engine, 4 tasks_run, 5 budget, 6 module, 7 function, 8 running_for (ticks; absent = none), 9 age (ticks)}.</summary>
    private static int WorkerInfoSize(WorkerInfo worker) =>
        StringSize(1, worker.Name) + VarintSize(2, (int)worker.State) + StringSize(3, worker.Engine) + VarintSize(4, worker.TasksRun)
        + VarintSize(5, worker.Budget) + StringSize(6, worker.Module) + StringSize(7, worker.Function)
        + (worker.RunningFor is { } running ? 1 + CodedOutputStream.ComputeInt64Size(running.Ticks) : 0)
        + VarintSize(9, worker.Age.Ticks);

    private static void WriteWorkerInfo(CodedOutputStream output, WorkerInfo worker)
    {
        WriteString(output, 1, worker.Name);
        WriteVarint(output, 2, (int)worker.State);
        WriteString(output, 3, worker.Engine);
        WriteVarint(output, 4, worker.TasksRun);
        WriteVarint(output, 5, worker.Budget);
        WriteString(output, 6, worker.Module);
        WriteString(output, 7, worker.Function);
        if (worker.RunningFor is { } running)
        {
            // Written even when zero: absent means "runs no task".
            output.WriteTag(8, WireFormat.WireType.Varint);
            output.WriteInt64(running.Ticks);
        }

        WriteVarint(output, 9, worker.Age.Ticks);
    }

    private static WorkerInfo ReadWorkerInfo(CodedInputStream input)
    {
        string? name = null, engine = null, module = null, function = null;
        int state = 0, tasksRun = 0, budget = 0;
        TimeSpan? runningFor = null;
        var age = TimeSpan.Zero;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    name = input.ReadString();
                    break;
                case 2 when IsVarint(tag):
                    state = input.ReadInt32();
                    break;
                case 3 when IsLengthDelimited(tag):
                    engine = input.ReadString();
                    break;
                case 4 when IsVarint(tag):
                    tasksRun = input.ReadInt32();
                    break;
                case 5 when IsVarint(tag):
                    budget = input.ReadInt32();
                    break;
                case 6 when IsLengthDelimited(tag):
                    module = input.ReadString();
                    break;
                case 7 when IsLengthDelimited(tag):
                    function = input.ReadString();
                    break;
                case 8 when IsVarint(tag):
                    runningFor = TimeSpan.FromTicks(input.ReadInt64());
                    break;
                case 9 when IsVarint(tag):
                    age = TimeSpan.FromTicks(input.ReadInt64());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new WorkerInfo(name ?? string.Empty, (WorkerStatus)state, engine ?? string.Empty, tasksRun, budget, module, function, runningFor, age);
    }

    private static RunScriptBatch ReadRunScriptBatch(CodedInputStream input)
    {
        var (taskId, calls) = ReadBatch(input, ReadRunScript);
        return new RunScriptBatch(taskId, calls);
    }

    private static ScriptBatchCompleted ReadScriptBatchCompleted(CodedInputStream input)
    {
        var (taskId, replies) = ReadBatch(input, ReadReply);
        return new ScriptBatchCompleted(taskId, replies);
    }

    /// <summary>Both batch messages: {1 task id, 2 item (repeated, each a nested message read by <paramref name="readItem"/>)}.</summary>
    private static (string TaskId, List<T> Items) ReadBatch<T>(CodedInputStream input, Func<CodedInputStream, T> readItem)
    {
        string? taskId = null;
        var items = new List<T>();
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    taskId = input.ReadString();
                    break;
                case 2 when IsLengthDelimited(tag):
                    items.Add(readItem(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (taskId ?? string.Empty, items);
    }

    /// <summary>Reads one wrapped reply of a batch: {1 succeeded | 2 failed}; an empty wrapper reads as a failure.</summary>
    private static IScriptReply ReadReply(CodedInputStream input)
    {
        IScriptReply? reply = null;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLengthDelimited(tag):
                    reply = ReadScriptSucceeded(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                case 2 when IsLengthDelimited(tag):
                    reply = ReadScriptFailed(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return reply ?? new ScriptFailed(string.Empty, FailureKind.WorkerCrashed, "a reply in the batch came in a form this node does not know (a newer ActorPool version sent it)");
    }

    private static int ReplyField(IScriptReply reply) => reply switch
    {
        ScriptSucceeded => 1,
        ScriptFailed => 2,
        _ => throw Unknown(reply),
    };

    /// <summary>The size of <paramref name="message"/> as a length-delimited field <paramref name="field"/>.</summary>
    private static int NestedSize(int field, object message)
    {
        return FieldSize(field, ComputeSize(message));
    }

    /// <summary>The size of a length-delimited field <paramref name="field"/> whose content is <paramref name="contentSize"/> bytes.</summary>
    private static int FieldSize(int field, int contentSize) =>
        CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(contentSize) + contentSize;

    private static void WriteNested(CodedOutputStream output, int field, object message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(ComputeSize(message));
        Write(output, message);
    }

    /// <summary>Reads one map entry (protobuf's map encoding: a nested message with key = 1, value = 2).</summary>
    private static (int Key, long Value) ReadMapEntry(CodedInputStream input)
    {
        var entry = new CodedInputStream(input.ReadBytes().ToByteArray());
        int key = 0;
        long value = 0;
        while (entry.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsVarint(tag):
                    key = entry.ReadInt32();
                    break;
                case 2 when IsVarint(tag):
                    value = entry.ReadInt64();
                    break;
                default:
                    entry.SkipLastField();
                    break;
            }
        }

        return (key, value);
    }

    private static bool IsVarint(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint;

    private static bool IsLengthDelimited(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static int StringSize(int field, string? value) =>
        value is null ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeStringSize(value);

    private static int VarintSize(int field, long value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt64Size(value);

    private static int MapEntrySize(int key, long value) => VarintSize(1, key) + VarintSize(2, value);

    private static int MapSize<TKey>(int field, ImmutableDictionary<TKey, long>? map)
        where TKey : struct, Enum
    {
        var size = 0;
        foreach (var (key, value) in map ?? ImmutableDictionary<TKey, long>.Empty)
        {
            var entry = MapEntrySize(Convert.ToInt32(key, System.Globalization.CultureInfo.InvariantCulture), value);
            size += CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(entry) + entry;
        }

        return size;
    }

    private static void WriteString(CodedOutputStream output, int field, string? value)
    {
        if (value is not null)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    private static void WriteVarint(CodedOutputStream output, int field, long value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }
    }

    private static void WriteBool(CodedOutputStream output, int field, bool value)
    {
        if (value)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteBool(true);
        }
    }

    private static void WriteMap<TKey>(CodedOutputStream output, int field, ImmutableDictionary<TKey, long>? map)
        where TKey : struct, Enum
    {
        foreach (var (key, value) in map ?? ImmutableDictionary<TKey, long>.Empty)
        {
            var k = Convert.ToInt32(key, System.Globalization.CultureInfo.InvariantCulture);
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteLength(MapEntrySize(k, value));
            WriteVarint(output, 1, k);
            WriteVarint(output, 2, value);
        }
    }

    private static SerializationException Unknown(object? message) =>
        new($"{message?.GetType().FullName ?? "null"} is not an ActorPool protocol message known to {nameof(PoolMessageSerializer)}; add it to the serializer with its own manifest.");

    /// <summary>The manifest of each message type, and its protobuf field numbers.</summary>
    internal static class Manifests
    {
        /// <summary>1 task_id, 2 module, 3 function, 4 args_json (strings); 5 deadline (int64 ticks, absent = none); 6 idempotent (bool).</summary>
        public const string RunScript = "R";

        /// <summary>1 task_id.</summary>
        public const string CancelScript = "C";

        /// <summary>No fields (singleton).</summary>
        public const string GetPoolStats = "G";

        /// <summary>1 task_id, 2 result_json.</summary>
        public const string ScriptSucceeded = "S";

        /// <summary>1 task_id; 2 kind (FailureKind number); 3 message; 4 details (absent = null); 5 limit (LimitKind number).</summary>
        public const string ScriptFailed = "F";

        /// <summary>No fields (singleton).</summary>
        public const string DrainPool = "D";

        /// <summary>1 completed, 2 cut_off.</summary>
        public const string PoolDrained = "DR";

        /// <summary>
        /// 1 target_workers, 2 idle, 3 busy, 4 starting, 5 queue_length, 6 max_queue_length, 7 latched, 8 draining,
        /// 9 succeeded, 10 failures and 11 retirements (map&lt;enum number, int64&gt;: repeated entries {1 key, 2 value}),
        /// 12 abandoned_engines, 13 consecutive_start_failures, 14 recovering_workers, 15 engine_kind,
        /// 16 workers (repeated, each a nested WorkerInfo: see WorkerInfoSize).
        /// </summary>
        public const string PoolStats = "P";

        /// <summary>1 task_id; 2 calls (repeated, each a nested RunScript).</summary>
        public const string RunScriptBatch = "RB";

        /// <summary>1 task_id; 2 replies (repeated, each a nested {1 succeeded: ScriptSucceeded | 2 failed: ScriptFailed}), in call order.</summary>
        public const string ScriptBatchCompleted = "SB";
    }
}
