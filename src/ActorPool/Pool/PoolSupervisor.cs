using System.Collections.Immutable;
using ActorPool.Configuration;
using ActorPool.Protocol;
using ActorPool.Telemetry;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Pool;

/// <summary>
/// Owns the task queue and the workers of one pool. Tasks are queued FIFO and handed, one at a time, to the
/// most recently idled worker that has budget left (pull model, no router). The supervisor settles every task
/// exactly once: workers report to it, and it forwards the answer to the caller. See docs/architecture.md.
/// </summary>
/// <remarks>
/// Split by concern: <c>PoolSupervisor.Queue.cs</c> (accepting, expiry, cancel),
/// <c>PoolSupervisor.Dispatch.cs</c> (dispatch, answers, backstop), <c>PoolSupervisor.Workers.cs</c>
/// (spawn, retire, back-off, circuit), <c>PoolSupervisor.Shutdown.cs</c> (drain).
/// </remarks>
internal sealed partial class PoolSupervisor : UntypedActor, IWithTimers
{
    private readonly PoolSettings _settings;
    private readonly WorkerSetup _setup;
    private readonly PoolMetrics _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, WorkerSlot> _slots = [];
    private readonly List<WorkerSlot> _idle = [];
    private readonly LinkedList<PendingTask> _queue = new();
    private readonly Dictionary<string, PendingTask> _tasks = new(StringComparer.Ordinal);
    private readonly long[] _failures = new long[Enum.GetValues<FailureKind>().Length];
    private readonly long[] _retirements = new long[Enum.GetValues<RetirementReason>().Length];
    private readonly Random _random;
    private long _succeeded;
    private long _abandoned;
    private SupervisorPhase _phase = SupervisorPhase.Serving.Instance;

    private readonly Func<WorkerSetup, int, IActorRef, Props> _workerProps;

    public PoolSupervisor(PoolSettings settings, WorkerSetup setup, int? seed, Func<WorkerSetup, int, IActorRef, Props>? workerProps = null)
    {
        _workerProps = workerProps ?? ScriptWorker.Props;
        _settings = settings;
        _setup = setup;
        _metrics = setup.Metrics;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>
    /// Props for a supervisor. <paramref name="workerProps"/> makes each worker's props from the setup, the
    /// worker's budget and the supervisor's ref (default: <see cref="ScriptWorker.Props"/>); specs replace it
    /// with stand-ins driven by probes.
    /// </summary>
    public static Props Props(PoolSettings settings, WorkerSetup setup, int? seed = null, Func<WorkerSetup, int, IActorRef, Props>? workerProps = null) =>
        Akka.Actor.Props.Create(() => new PoolSupervisor(settings, setup, seed, workerProps));

    protected override SupervisorStrategy SupervisorStrategy() =>
        // A worker that throws is stopped; Terminated answers its task and starts its replacement.
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        if (_settings.Pipelining)
        {
            _log.Warning("actor-pool.pipelining is ignored: a worker runs one task at a time (see reference.conf); remove the setting");
        }

        SpawnMissing();
        var tick = _settings.SweepInterval < _settings.GracePeriod / 4 ? _settings.SweepInterval : _settings.GracePeriod / 4;
        Timers.StartPeriodicTimer("tick", Tick.Instance, tick);
        PublishGauges();
    }

    /// <summary>
    /// The supervisor failed (a defect: it handles every message it expects without throwing) and is about to
    /// restart with empty state and fresh workers. Every task it knows gets its one answer first, so no caller
    /// waits for a task the new instance never heard of.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "The pool supervisor failed on {0} and restarts; answering its {1} tasks", message?.GetType().Name ?? "a message", _tasks.Count);
        foreach (var task in _tasks.Values.ToList())
        {
            var started = task.QueueNode is null && task.Worker?.State is SlotState.Busy busy && busy.Runs(task);
            Settle(task, new ScriptFailed(
                task.TaskId,
                FailureKind.WorkerCrashed,
                $"the pool's supervisor failed ({reason.GetType().Name}) and restarted with fresh workers; {(started ? "the task's outcome is unknown" : "the task never ran")}",
                started ? null : ScriptFailed.NeverStarted));
        }

        base.PreRestart(reason, message);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunScript run:
                Accept(run, Sender);
                break;
            case RunScriptBatch batch:
                AcceptBatch(batch, Sender);
                break;
            case TaskFinished finished:
                OnTaskFinished(finished, Sender);
                break;
            case WorkerReady:
                OnWorkerReady(Sender);
                break;
            case WorkerAvailable:
                OnWorkerAvailable(Sender);
                break;
            case WorkerRetiring retiring:
                if (_slots.TryGetValue(Sender, out var retiringSlot))
                {
                    RetireSlot(retiringSlot, retiring.Reason);
                }

                break;
            case WorkerStartFailed failed:
                OnWorkerStartFailed(Sender, failed.Reason);
                break;
            case Terminated terminated:
                OnWorkerTerminated(terminated.ActorRef);
                break;
            case CancelScript cancel:
                Cancel(cancel.TaskId);
                break;
            case GetPoolStats:
                Sender.Tell(Stats());
                break;
            case GetWorkers:
                Sender.Tell(new WorkerList([.. _slots.Keys]));
                break;
            case Tick:
                OnTick();
                break;
            case RespawnDue:
                OnRespawnDue();
                break;
            case DrainPool:
                BeginDrain(Sender);
                break;
            case DrainTimedOut:
                OnDrainTimedOut();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnTick()
    {
        var now = Now;
        SweepQueue(now);
        CheckBackstops(now);
        PublishGauges();
    }

    /// <summary>The pool's stats, built from the supervisor's worker states (the one place that reads them for stats).</summary>
    private PoolStats Stats()
    {
        var counts = CountSlots();

        var failures = ImmutableDictionary.CreateBuilder<FailureKind, long>();
        for (var i = 0; i < _failures.Length; i++)
        {
            if (_failures[i] > 0)
            {
                failures[(FailureKind)i] = _failures[i];
            }
        }

        var retirements = ImmutableDictionary.CreateBuilder<RetirementReason, long>();
        for (var i = 0; i < _retirements.Length; i++)
        {
            if (_retirements[i] > 0)
            {
                retirements[(RetirementReason)i] = _retirements[i];
            }
        }

        return new PoolStats(
            _settings.Workers, counts.Idle, counts.Busy, counts.Starting, Waiting, _settings.MaxQueueLength, _phase.Latched, _phase.ShuttingDown,
            _succeeded, failures.ToImmutable(), retirements.ToImmutable(), _abandoned, _consecutiveStartFailures, counts.Recovering)
        {
            EngineKind = _setup.EngineKind,
            Workers = WorkerInfos(),
        };
    }

    /// <summary>Each worker as <see cref="PoolStats.Workers"/> reports it; built only when stats are asked for.</summary>
    private List<WorkerInfo> WorkerInfos()
    {
        var now = Now;
        var workers = new List<WorkerInfo>(_slots.Count);
        foreach (var slot in _slots.Values.OrderBy(s => s.SpawnedAt))
        {
            var state = slot.State switch
            {
                SlotState.Idle => WorkerStatus.Idle,
                SlotState.Busy => WorkerStatus.Busy,
                SlotState.Recovering or SlotState.RecoveringInSeat => WorkerStatus.Recovering,
                SlotState.Retiring => WorkerStatus.Retiring,
                _ => WorkerStatus.Starting,
            };
            var task = slot.State is SlotState.Busy busy ? busy.Tasks[0] : null;
            workers.Add(new WorkerInfo(
                slot.Worker.Path.Name, state, _setup.EngineKind, slot.Dispatched, slot.Budget,
                task?.Command.Module, task?.Command.Function, task is null ? null : now - task.StartedAt, now - slot.SpawnedAt));
        }

        return workers;
    }

    private void PublishGauges()
    {
        var counts = CountSlots();
        _metrics.Publish(new PoolGaugeSnapshot(_settings.Workers, counts.Idle, counts.Busy, counts.Starting, counts.Retiring, Waiting, _phase.Latched) { Recovering = counts.Recovering });
    }

    /// <summary>Workers by state (a standby successor and a worker renewing its engine in place count as starting).</summary>
    private (int Idle, int Busy, int Starting, int Recovering, int Retiring) CountSlots()
    {
        int idle = 0, busy = 0, starting = 0, recovering = 0, retiring = 0;
        foreach (var slot in _slots.Values)
        {
            switch (slot.State)
            {
                case SlotState.Idle:
                    idle++;
                    break;
                case SlotState.Busy:
                    busy++;
                    break;
                case SlotState.Starting or SlotState.Standby or SlotState.Renewing:
                    starting++;
                    break;
                case SlotState.Recovering or SlotState.RecoveringInSeat:
                    recovering++;
                    break;
                case SlotState.Retiring:
                    retiring++;
                    break;
            }
        }

        return (idle, busy, starting, recovering, retiring);
    }

    /// <summary>The periodic timer: queue sweep, backstops, gauges.</summary>
    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }
}
