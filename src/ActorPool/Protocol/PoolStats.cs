using System.Collections.Immutable;
using Akka.Actor;

namespace ActorPool.Protocol;

/// <summary>A snapshot of one pool's state, the answer to <see cref="GetPoolStats"/>.</summary>
/// <param name="TargetWorkers">How many workers the pool keeps.</param>
/// <param name="IdleWorkers">Workers ready for a task.</param>
/// <param name="BusyWorkers">Workers running a task.</param>
/// <param name="StartingWorkers">Workers starting their engine.</param>
/// <param name="QueueLength">Tasks waiting to start: queued, or held by a running worker to start next.</param>
/// <param name="MaxQueueLength">The queue bound.</param>
/// <param name="Latched">True while the pool is latched <see cref="FailureKind.PoolUnavailable"/>.</param>
/// <param name="Draining">True once shutdown has begun.</param>
/// <param name="Succeeded">Tasks answered with success since start.</param>
/// <param name="Failures">Tasks answered with a failure since start, by kind (kinds with zero are left out).</param>
/// <param name="Retirements">Workers retired since start, by reason.</param>
/// <param name="AbandonedEngines">Engine threads that did not come back after a cancel within the grace period.</param>
/// <param name="ConsecutiveStartFailures">Worker start failures since the last successful start.</param>
/// <param name="RecoveringWorkers">
/// Workers whose engine was cut off (timeout, cancel, engine limit) and has not come back yet. A recovering
/// worker is replaced at once, so these run on top of the target (at most the target of them).
/// </param>
public sealed record PoolStats(
    int TargetWorkers,
    int IdleWorkers,
    int BusyWorkers,
    int StartingWorkers,
    int QueueLength,
    int MaxQueueLength,
    bool Latched,
    bool Draining,
    long Succeeded,
    ImmutableDictionary<FailureKind, long> Failures,
    ImmutableDictionary<RetirementReason, long> Retirements,
    long AbandonedEngines,
    int ConsecutiveStartFailures,
    int RecoveringWorkers = 0) : IPoolMessage, INotInfluenceReceiveTimeout
{
    /// <summary>
    /// The engine kind that actually serves the pool (<c>jint</c> or <c>v8</c>): <c>jint</c> when
    /// <c>actor-pool.engine.kind = v8</c> but V8 could not be loaded.
    /// </summary>
    public string EngineKind { get; init; } = Engines.ScriptEngineKinds.Jint;

    /// <summary>
    /// Every worker of the pool, one by one (retiring and recovering ones included), in start order. Built only
    /// when stats are asked for, so it costs the pool nothing while no one looks. Empty from a sender that does
    /// not report workers (a cluster router's totals).
    /// </summary>
    public IReadOnlyList<WorkerInfo> Workers { get; init; } = NoWorkers;

    /// <summary>The empty <see cref="Workers"/> list, shared.</summary>
    internal static IReadOnlyList<WorkerInfo> NoWorkers { get; } = [];
}

/// <summary>Why a worker left the pool.</summary>
public enum RetirementReason
{
    /// <summary>It ran its task budget.</summary>
    Budget,

    /// <summary>Its engine loaded more distinct modules than <c>max-modules-per-engine</c>.</summary>
    ModuleLimit,

    /// <summary>A script error with <c>recycle-on-script-error</c> on.</summary>
    ScriptError,

    /// <summary>Its engine thread did not come back from a cancel within the grace period.</summary>
    EngineAbandoned,

    /// <summary>It sent a reply for a task it was not running.</summary>
    StrayReply,

    /// <summary>It crashed (an exception escaped it).</summary>
    Crashed,

    /// <summary>It did not answer within in-flight timeout plus grace; the supervisor stopped it.</summary>
    Unresponsive,

    /// <summary>Its engine failed to start.</summary>
    StartFailed,
}
