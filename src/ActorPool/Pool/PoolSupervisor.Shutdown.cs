using ActorPool.Protocol;
using Akka.Actor;
using Akka.Event;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    private int _drainCompleted;
    private int _drainCutOff;

    private void BeginDrain(IActorRef requester)
    {
        switch (_phase)
        {
            case SupervisorPhase.Drained:
                requester.Tell(new PoolDrained(_drainCompleted, _drainCutOff));
                return;
            case SupervisorPhase.Draining draining:
                _phase = draining with { Requesters = draining.Requesters.Add(requester) };
                return;
        }

        _phase = new SupervisorPhase.Draining([requester]);
        Timers.Cancel(RespawnTimer);
        _log.Info("Draining: {0} queued tasks answered ShuttingDown, waiting up to {1} for {2} in flight", _queue.Count, _settings.DrainTimeout, _tasks.Count - _queue.Count);
        FailQueued(FailureKind.ShuttingDown, "the pool is shutting down; the task was still queued and never ran");
        Timers.StartSingleTimer("drain", DrainTimedOut.Instance, _settings.DrainTimeout);
        CheckDrainComplete();
    }

    private void OnDrainTimedOut()
    {
        foreach (var task in _tasks.Values.ToList())
        {
            _drainCutOff++;
            if (task.Worker is { State: SlotState.Busy busy } slot && busy.Runs(task))
            {
                // Cut off by the shutdown: the worker is stopped with the rest when the drain completes.
                SetState(slot, SlotState.Retiring.Instance);
            }

            Settle(task, new ScriptFailed(task.TaskId, FailureKind.ShuttingDown, $"the pool shut down before the task finished (actor-pool.drain-timeout = {_settings.DrainTimeout})"));
        }

        CheckDrainComplete();
    }

    private void CheckDrainComplete()
    {
        if (_phase is not SupervisorPhase.Draining draining || _tasks.Count > 0)
        {
            return;
        }

        _phase = SupervisorPhase.Drained.Instance;
        Timers.Cancel("drain");
        foreach (var worker in _slots.Keys)
        {
            Context.Stop(worker);
        }

        var drained = new PoolDrained(_drainCompleted, _drainCutOff);
        foreach (var requester in draining.Requesters)
        {
            requester.Tell(drained);
        }
    }

    private sealed record DrainTimedOut
    {
        public static DrainTimedOut Instance { get; } = new();
    }
}
