using ActorPool.Protocol;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    private readonly Succession _succession = new();
    private int _spawned;
    private int _consecutiveStartFailures;
    private const string RespawnTimer = "respawn";
    private string? _lastStartFailure;

    /// <summary>Starts workers until the pool has its target of workers that count towards it.</summary>
    private void SpawnMissing()
    {
        if (_phase is not (SupervisorPhase.Serving or SupervisorPhase.Probing))
        {
            return;
        }

        // A cut-off worker left without a replacement (the bound of recovering engines above target was reached)
        // gets one as soon as the bound allows.
        var covered = _slots.Values.Count(slot => slot.State is SlotState.Recovering);
        foreach (var slot in _slots.Values.ToList())
        {
            if (covered < _settings.Workers && slot.State is SlotState.RecoveringInSeat inSeat)
            {
                SetState(slot, new SlotState.Recovering(inSeat.Since));
                covered++;
            }
        }

        var missing = _settings.Workers - ActiveCount();
        if (_phase is SupervisorPhase.Probing)
        {
            // Half-open: one probe worker at a time until one starts.
            missing = _slots.Values.Any(slot => slot.State is SlotState.Starting) ? 0 : Math.Min(missing, 1);
        }

        for (var i = 0; i < missing; i++)
        {
            // A worker running its last task with no successor (none could start ahead: back-off, or the pool was
            // above target then) gets the new worker as its successor, which stands by until that task ends: the
            // pool runs at most its target of tasks, and holds at most two engines per seat (EngineBound).
            Spawn(predecessor: UnsucceededLastTask());
        }
    }

    /// <summary>A worker running its last task that has no successor starting or standing by, if any.</summary>
    private WorkerSlot? UnsucceededLastTask()
    {
        foreach (var slot in _slots.Values)
        {
            if (slot is { State: SlotState.Busy, HasBudget: false } && SuccessorOf(slot) is null)
            {
                return slot;
            }
        }

        return null;
    }

    private WorkerSlot Spawn(WorkerSlot? predecessor)
    {
        var jitter = _settings.BudgetJitter * ((_random.NextDouble() * 2) - 1);
        var budget = Math.Max(1, (int)Math.Round(_settings.TaskBudget * (1 + jitter)));
        var worker = Context.ActorOf(_workerProps(_setup, budget, Self), "worker-" + (++_spawned).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Context.Watch(worker);
        var slot = new WorkerSlot(worker, budget, Now, new SlotState.Starting(predecessor));
        _slots.Add(worker, slot);
        return slot;
    }

    /// <summary>
    /// Workers that count towards the target: one of each worker and its successor (the successor, from the moment
    /// it starts), no worker whose budget is spent, none that is leaving, none recovering with a replacement.
    /// </summary>
    private int ActiveCount()
    {
        HashSet<WorkerSlot>? succeeded = null;
        foreach (var slot in _slots.Values)
        {
            if (PredecessorOf(slot) is { } predecessor)
            {
                (succeeded ??= []).Add(predecessor);
            }
        }

        var active = 0;
        foreach (var slot in _slots.Values)
        {
            var counts = slot.State switch
            {
                SlotState.Starting or SlotState.Standby => true,
                SlotState.Idle or SlotState.Busy or SlotState.Renewing => slot.HasBudget && succeeded?.Contains(slot) != true,
                SlotState.Recovering => false,
                SlotState.RecoveringInSeat => true,
                SlotState.Retiring => false,
                _ => throw new InvalidOperationException($"unknown worker state {slot.State}"),
            };
            active += counts ? 1 : 0;
        }

        return active;
    }

    /// <summary>The worker <paramref name="slot"/> was started ahead to succeed, while it waits for it.</summary>
    private static WorkerSlot? PredecessorOf(WorkerSlot slot) => slot.State switch
    {
        SlotState.Starting starting => starting.Predecessor,
        SlotState.Standby standby => standby.Predecessor,
        _ => null,
    };

    /// <summary>The successor started ahead for <paramref name="slot"/>, if one is starting or standing by.</summary>
    private WorkerSlot? SuccessorOf(WorkerSlot slot)
    {
        foreach (var other in _slots.Values)
        {
            if (PredecessorOf(other) == slot)
            {
                return other;
            }
        }

        return null;
    }

    /// <summary>
    /// Respawn ahead (<see cref="Succession"/>): starts the worker that will take over from <paramref name="slot"/>
    /// now, while it still has tasks left, so that the successor's engine is ready when <paramref name="slot"/>
    /// leaves; it keeps serving until then and the successor stands by. Only in normal serving, once per worker,
    /// and not when the pool has more than its target without it.
    /// </summary>
    private void StartSuccessor(WorkerSlot slot)
    {
        if (SuccessorOf(slot) is not null)
        {
            return;
        }

        // The workers that count towards the target besides this one (it counts while it has budget left).
        var others = ActiveCount() - (slot.HasBudget ? 1 : 0);
        if (_phase is not SupervisorPhase.Serving || others >= _settings.Workers)
        {
            // Outside normal serving (or above target) no successor starts ahead; a worker with no budget left no
            // longer counts, so the ordinary respawn replaces it when it may.
            SpawnMissing();
            return;
        }

        Spawn(predecessor: slot);
    }

    /// <summary>
    /// <paramref name="predecessor"/> stops serving (its last task, a cut-off, a renewal, retirement, death): its
    /// successor, if any, serves from now on (a standby at once, one still starting when it is ready).
    /// </summary>
    private void ReleaseSuccessor(WorkerSlot predecessor)
    {
        if (SuccessorOf(predecessor) is not { } successor)
        {
            return;
        }

        if (successor.State is SlotState.Standby)
        {
            SetState(successor, SlotState.Idle.Instance);
        }
        else
        {
            SetState(successor, new SlotState.Starting(null));
        }
    }

    private void OnWorkerReady(IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot) || slot.State is not SlotState.Starting starting)
        {
            return;
        }

        _consecutiveStartFailures = 0;
        _succession.EngineStarted(Now - slot.SpawnedAt);
        if (_phase.Latched)
        {
            _log.Info("A worker started again: the pool is available ({0} workers)", _settings.Workers);
            // A probe ends the latch; a worker started before the latch ends it too, the back-off still runs.
            _phase = _phase is SupervisorPhase.Probing ? SupervisorPhase.Serving.Instance : new SupervisorPhase.BackingOff(IsLatched: false);
            SpawnMissing();
        }

        if (starting.Predecessor is { State: SlotState.Busy } or { State: SlotState.Idle, HasBudget: true })
        {
            // Ready while its predecessor still serves (it runs its whole budget, the last task included; see
            // StartOn): stand by until that one's last task ends or it leaves.
            var predecessor = starting.Predecessor;
            SetState(slot, new SlotState.Standby(predecessor));
            Dispatch();
            return;
        }

        SetState(slot, SlotState.Idle.Instance);
        Dispatch();
    }

    private void OnWorkerAvailable(IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot) || slot.State is not (SlotState.Recovering or SlotState.RecoveringInSeat or SlotState.Renewing))
        {
            return;
        }

        // Back with a fresh engine. Surplus when the others reach the target without it (its replacement or its
        // successor serves): it stops. Otherwise (its replacement failed to start) it serves again.
        SetState(slot, SlotState.Retiring.Instance);
        if (_phase.ShuttingDown || ActiveCount() >= _settings.Workers || !slot.HasBudget)
        {
            Context.Stop(worker);
            return;
        }

        // Back while a worker without a successor runs its last task: it becomes that one's successor (see SpawnMissing).
        SetState(slot, UnsucceededLastTask() is { } predecessor ? new SlotState.Standby(predecessor) : SlotState.Idle.Instance);
        Dispatch();
    }

    /// <summary>
    /// A cut-off worker is out of service for up to the grace period: its successor serves from now on, or its
    /// replacement starts at once (make-before-break), so the serving workers stay at target and the tasks behind
    /// it wait at most an engine start. Recovering engines that have a replacement are bounded by the target, so
    /// the pool holds at most three engines per target worker (docs/architecture.md, "Engines per pool").
    /// </summary>
    private void Recover(WorkerSlot slot, DateTimeOffset now)
    {
        // Its successor (if any) serves at once either way; past the bound it still counts towards the target, so
        // no further engine starts for it until a recovering engine ends (SpawnMissing then covers it).
        ReleaseSuccessor(slot);
        var covered = _slots.Values.Count(other => other.State is SlotState.Recovering);
        SetState(slot, covered < _settings.Workers ? new SlotState.Recovering(now) : new SlotState.RecoveringInSeat(now));
        SpawnMissing();
    }

    /// <summary>Takes a worker out of service, counts why, and starts its replacement (make-before-break).</summary>
    private void RetireSlot(WorkerSlot slot, RetirementReason reason)
    {
        if (slot.State is SlotState.Retiring)
        {
            return;
        }

        ReleaseSuccessor(slot);
        SetState(slot, SlotState.Retiring.Instance);
        _retirements[(int)reason]++;
        _metrics.WorkerRetired(reason);
        if (reason == RetirementReason.EngineAbandoned)
        {
            _abandoned++;
        }

        SpawnMissing();
    }

    private void OnWorkerStartFailed(IActorRef worker, string reason)
    {
        _lastStartFailure = reason;
        if (_slots.Remove(worker, out var slot))
        {
            SetState(slot, SlotState.Retiring.Instance);
            Context.Stop(worker);
            OnStartFailure();
        }
    }

    private void OnWorkerTerminated(IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot))
        {
            return;
        }

        if (slot.State is SlotState.Busy { Tasks: var tasks })
        {
            foreach (var task in tasks)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.WorkerCrashed, "the worker running the task crashed; it was replaced"));
            }
        }

        var wasStarting = slot.State is SlotState.Starting;
        RetireSlotQuietly(slot, wasStarting ? null : RetirementReason.Crashed);
        _slots.Remove(worker);
        if (wasStarting)
        {
            OnStartFailure();
        }

        SpawnMissing();
        if (_phase is SupervisorPhase.Draining)
        {
            CheckDrainComplete();
        }
        else
        {
            Dispatch();
        }
    }

    /// <summary>Like <see cref="RetireSlot"/> without starting a replacement yet (the caller does, once the slot is gone).</summary>
    private void RetireSlotQuietly(WorkerSlot slot, RetirementReason? reason)
    {
        if (slot.State is SlotState.Retiring)
        {
            return;
        }

        ReleaseSuccessor(slot);
        SetState(slot, SlotState.Retiring.Instance);
        if (reason is { } why)
        {
            _retirements[(int)why]++;
            _metrics.WorkerRetired(why);
        }
    }

    private void OnStartFailure()
    {
        _consecutiveStartFailures++;
        _retirements[(int)RetirementReason.StartFailed]++;
        _metrics.WorkerRetired(RetirementReason.StartFailed);
        if (_phase.ShuttingDown)
        {
            return;
        }

        var latch = _consecutiveStartFailures >= _settings.CircuitFailureThreshold;
        if (latch && !_phase.Latched)
        {
            _log.Error("{0} consecutive worker starts failed (last: {1}); the pool is unavailable until a worker starts", _consecutiveStartFailures, _lastStartFailure);
        }

        _phase = new SupervisorPhase.BackingOff(latch || _phase.Latched);
        if (_phase.Latched)
        {
            FailQueued(FailureKind.PoolUnavailable, UnavailableMessage());
        }

        var exponent = Math.Min(_consecutiveStartFailures - 1, 30);
        var delay = TimeSpan.FromTicks(Math.Min(_settings.MaxBackoff.Ticks, _settings.MinBackoff.Ticks * (1L << Math.Min(exponent, 20))));
        delay += TimeSpan.FromTicks((long)(delay.Ticks * _settings.BackoffRandomFactor * _random.NextDouble()));
        Timers.StartSingleTimer(RespawnTimer, RespawnDue.Instance, delay);
    }

    private void OnRespawnDue()
    {
        if (_phase is not SupervisorPhase.BackingOff backingOff)
        {
            return;
        }

        _phase = backingOff.IsLatched ? SupervisorPhase.Probing.Instance : SupervisorPhase.Serving.Instance;
        SpawnMissing();
    }

    private string UnavailableMessage() =>
        $"the pool is unavailable: {_consecutiveStartFailures} consecutive worker starts failed (last: {_lastStartFailure ?? "unknown"}); it retries by itself, retry later";

    private sealed record RespawnDue
    {
        public static RespawnDue Instance { get; } = new();
    }
}
