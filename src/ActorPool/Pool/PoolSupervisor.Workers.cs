using ActorPool.Protocol;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    private int _spawned;
    private double _engineStartMillis;
    private double _taskMillis;
    private int _consecutiveStartFailures;
    private const string RespawnTimer = "respawn";
    private string? _lastStartFailure;

    /// <summary>Starts workers until the pool has its target of active (not retiring) workers.</summary>
    private void SpawnMissing()
    {
        if (_phase is not (SupervisorPhase.Serving or SupervisorPhase.Probing))
        {
            return;
        }

        var active = 0;
        var starting = 0;
        foreach (var slot in _slots.Values)
        {
            if (!slot.Replaced)
            {
                active++;
                if (slot.State == SlotState.Starting)
                {
                    starting++;
                }
            }
        }

        var missing = _settings.Workers - active;
        if (_phase is SupervisorPhase.Probing)
        {
            // Half-open: one probe worker at a time until one starts.
            missing = starting == 0 ? Math.Min(missing, 1) : 0;
        }

        for (var i = 0; i < missing; i++)
        {
            Spawn();
        }
    }

    private WorkerSlot Spawn()
    {
        var jitter = _settings.BudgetJitter * ((_random.NextDouble() * 2) - 1);
        var budget = Math.Max(1, (int)Math.Round(_settings.TaskBudget * (1 + jitter)));
        var worker = Context.ActorOf(_workerProps(_setup, budget, Self), "worker-" + (++_spawned).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Context.Watch(worker);
        var slot = new WorkerSlot(worker, budget) { SpawnedAt = Now };
        _slots.Add(worker, slot);
        return slot;
    }

    /// <summary>
    /// Respawn ahead: starts the worker that will take over from <paramref name="slot"/> now, while it still has
    /// tasks left, so that the successor's engine is ready when <paramref name="slot"/> leaves (it keeps serving
    /// until then; the successor waits as a standby). Outside normal serving it only marks the slot replaced.
    /// </summary>
    private void StartSuccessor(WorkerSlot slot)
    {
        slot.Replaced = true;
        if (_phase is not SupervisorPhase.Serving || ActiveCount() >= _settings.Workers)
        {
            SpawnMissing();
            return;
        }

        var successor = Spawn();
        successor.Predecessor = slot;
        slot.Successor = successor;
    }

    /// <summary>
    /// How many tasks before the end of a worker's budget its successor starts: as many as the worker runs while
    /// an engine starts (both measured as moving averages), at least its last task, at most its whole budget.
    /// </summary>
    private int RespawnAhead(int budget)
    {
        if (_engineStartMillis <= 0 || _taskMillis <= 0)
        {
            return 0;
        }

        var ahead = Math.Ceiling(_engineStartMillis / _taskMillis);
        return ahead >= budget - 1 ? budget - 1 : (int)ahead;
    }

    /// <summary>A successor left behind: its predecessor is gone (or it is), so it serves as an ordinary worker.</summary>
    private void ReleaseSuccessor(WorkerSlot slot)
    {
        if (slot.Predecessor is { } predecessor)
        {
            predecessor.Successor = null;
            slot.Predecessor = null;
        }

        if (slot.Successor is { } successor)
        {
            slot.Successor = null;
            successor.Predecessor = null;
            if (successor.Standby)
            {
                successor.Standby = false;
                MakeIdle(successor);
            }
        }
    }

    private static double Average(double average, double sample) => average <= 0 ? sample : (average * 0.8) + (sample * 0.2);

    private void OnWorkerReady(IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot) || slot.State != SlotState.Starting)
        {
            return;
        }

        _consecutiveStartFailures = 0;
        _engineStartMillis = Average(_engineStartMillis, (Now - slot.SpawnedAt).TotalMilliseconds);
        if (_phase.Latched)
        {
            _log.Info("A worker started again: the pool is available ({0} workers)", _settings.Workers);
            // A probe ends the latch; a worker started before the latch ends it too, the back-off still runs.
            _phase = _phase is SupervisorPhase.Probing ? SupervisorPhase.Serving.Instance : new SupervisorPhase.BackingOff(IsLatched: false);
            SpawnMissing();
        }

        // A linked predecessor is live and serving: every path that retires or removes a worker unlinks it.
        if (slot.Predecessor is { HasBudget: true })
        {
            // Ready before its predecessor was handed its last task: stand by until then (the predecessor runs its
            // whole budget; see HandOver).
            slot.Standby = true;
            return;
        }

        ReleaseSuccessor(slot);
        MakeIdle(slot);
        Dispatch();
    }

    private void OnWorkerAvailable(IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot) || slot.State != SlotState.Recovering)
        {
            return;
        }

        if (slot.Replaced)
        {
            if (_phase.ShuttingDown || ActiveCount() >= _settings.Workers)
            {
                // Its replacement serves already: back to the target size.
                slot.State = SlotState.Retiring;
                ReleaseSuccessor(slot);
                Context.Stop(worker);
                return;
            }

            // Its replacement is not there (its start failed): it serves again instead.
            slot.Replaced = false;
        }

        MakeIdle(slot);
        Dispatch();
    }

    /// <summary>
    /// A worker whose engine is recovering is out of service: a successor started ahead for it serves from now
    /// on; otherwise, when its engine thread may never come back (<paramref name="replace"/>: cut off), its
    /// replacement starts at once (make-before-break), so the serving workers stay at target and the tasks
    /// behind it wait at most an engine start. Recovering engines that have a replacement are bounded by the
    /// target, so the pool never exceeds twice its size.
    /// </summary>
    private void CoverRecovering(WorkerSlot slot, bool replace)
    {
        if (slot.Successor is not null)
        {
            ReleaseSuccessor(slot);
            return;
        }

        if (!replace || slot.Replaced)
        {
            return;
        }

        var covered = 0;
        foreach (var other in _slots.Values)
        {
            if (other.State == SlotState.Recovering && other.Replaced)
            {
                covered++;
            }
        }

        if (covered >= _settings.Workers)
        {
            return;
        }

        slot.Replaced = true;
        SpawnMissing();
    }

    /// <summary>Workers that count towards the target: every worker without a replacement.</summary>
    private int ActiveCount()
    {
        var active = 0;
        foreach (var slot in _slots.Values)
        {
            if (!slot.Replaced)
            {
                active++;
            }
        }

        return active;
    }

    /// <summary>Takes a worker out of service, counts why, and starts its replacement unless one was started already.</summary>
    private void RetireSlot(WorkerSlot slot, RetirementReason reason)
    {
        if (slot.State == SlotState.Retiring)
        {
            return;
        }

        slot.State = SlotState.Retiring;
        _idle.Remove(slot);
        ReleaseSuccessor(slot);
        _retirements[(int)reason]++;
        _metrics.WorkerRetired(reason);
        if (reason == RetirementReason.EngineAbandoned)
        {
            _abandoned++;
        }

        if (!slot.Replaced)
        {
            slot.Replaced = true;
            SpawnMissing();
        }
    }

    private void OnWorkerStartFailed(IActorRef worker, string reason)
    {
        _lastStartFailure = reason;
        if (_slots.Remove(worker, out var slot))
        {
            _idle.Remove(slot);
            ReleaseSuccessor(slot);
            Context.Stop(worker);
            OnStartFailure();
        }
    }

    private void OnWorkerTerminated(IActorRef worker)
    {
        if (!_slots.Remove(worker, out var slot))
        {
            return;
        }

        _idle.Remove(slot);
        // A successor that died before it took over, or a predecessor that left: unlink, promote a standby.
        ReleaseSuccessor(slot);

        if (slot.Task is { } task)
        {
            slot.Task = null;
            Settle(task, new ScriptFailed(task.TaskId, FailureKind.WorkerCrashed, "the worker running the task crashed; it was replaced"));
        }

        if (slot.Held is { } held)
        {
            if (WithdrawHeld(held))
            {
                Requeue(held);
            }
            else
            {
                ClearHeld(slot);
                Settle(held, new ScriptFailed(held.TaskId, FailureKind.WorkerCrashed, "the worker running the task crashed; it was replaced"));
            }
        }

        if (slot.State == SlotState.Starting && !slot.Replaced)
        {
            OnStartFailure();
        }
        else
        {
            RetireSlot(slot, RetirementReason.Crashed);
        }

        if (_phase is SupervisorPhase.Draining)
        {
            CheckDrainComplete();
        }
        else
        {
            Dispatch();
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
