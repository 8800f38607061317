using ActorPool.Protocol;
using ActorPool.Serialization;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    /// <summary>Hands queued tasks to idle workers while both exist (DESIGN §3 step 2).</summary>
    private void Dispatch()
    {
        if (_queue.Count == 0 || _idle.Count == 0)
        {
            return;
        }

        var now = Now;
        while (_queue.First is { } node && _idle.Count > 0)
        {
            var task = node.Value;
            if (ExpiryReason(task, now) is { } reason)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.QueueExpired, reason));
                continue;
            }

            _queue.RemoveFirst();
            task.QueueNode = null;
            StartOn(TakeIdle(task.Command.Module), task, now);
        }
    }

    /// <summary>The most recently idled worker, preferring one that has the module loaded already.</summary>
    private WorkerSlot TakeIdle(string module)
    {
        var index = _idle.Count - 1;
        for (var i = _idle.Count - 1; i >= 0; i--)
        {
            if (_idle[i].Modules.Contains(module))
            {
                index = i;
                break;
            }
        }

        var slot = _idle[index];
        _idle.RemoveAt(index);
        return slot;
    }

    private void StartOn(WorkerSlot slot, PendingTask task, DateTimeOffset now)
    {
        slot.Dispatched++;
        slot.State = SlotState.Busy;
        slot.Task = task;
        slot.Modules.Add(task.Command.Module);
        task.Worker = slot;
        task.StartedAt = now;
        _metrics.TaskWaited(now - task.AcceptedAt);
        Telemetry.TaskTracing.Started(task.Trace, now - task.AcceptedAt);
        _setup.Hooks?.TaskDispatched?.Invoke(task.TaskId, now - task.AcceptedAt, task.Command.Deadline);

        var runLimit = _settings.InFlightTimeout;
        if (task.DeadlineAt is { } deadline && deadline - now < runLimit)
        {
            runLimit = deadline - now;
        }

        task.BackstopAt = now + runLimit + _settings.GracePeriod;
        slot.Worker.Tell(new StartTask(task.Command, runLimit, Last: !slot.HasBudget));
    }

    private void OnTaskFinished(TaskFinished finished, IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot))
        {
            return;
        }

        if (slot.Task is not { } task || task.TaskId != finished.TaskId)
        {
            _log.Warning("Worker {0} answered task {1}, which it was not running; retiring it", worker.Path.Name, finished.TaskId);
            RetireSlot(slot, RetirementReason.StrayReply);
            Context.Stop(worker);
            return;
        }

        slot.Task = null;
        _metrics.TaskRan(Now - task.StartedAt);
        Settle(task, finished.Reply);
        switch (finished.Next)
        {
            case WorkerNext.Idle:
                MakeIdle(slot);
                break;
            case WorkerNext.Recovering:
                slot.State = SlotState.Recovering;
                break;
            case WorkerNext.Retiring:
                // WorkerRetiring follows from the worker; the replacement starts then.
                slot.State = SlotState.Busy;
                break;
        }

        if (_draining)
        {
            _drainCompleted++;
            CheckDrainComplete();
        }
        else
        {
            Dispatch();
        }
    }

    private void MakeIdle(WorkerSlot slot)
    {
        if (_draining || slot.Replaced)
        {
            return;
        }

        if (!slot.HasBudget)
        {
            // Its last task is answered; it retires itself and says so.
            slot.State = SlotState.Busy;
            return;
        }

        slot.State = SlotState.Idle;
        _idle.Add(slot);
    }

    /// <summary>Answers tasks whose worker neither answered nor enforced its own timeout (DESIGN §3 step 4).</summary>
    private void CheckBackstops(DateTimeOffset now)
    {
        List<WorkerSlot>? late = null;
        foreach (var slot in _slots.Values)
        {
            if (slot.Task is { } task && now >= task.BackstopAt)
            {
                (late ??= []).Add(slot);
            }
        }

        if (late is null)
        {
            return;
        }

        foreach (var slot in late)
        {
            var task = slot.Task!;
            slot.Task = null;
            _log.Warning("Worker {0} did not answer task {1} within its run limit plus grace; stopping it", slot.Worker.Path.Name, task.TaskId);
            Settle(task, new ScriptFailed(task.TaskId, FailureKind.WorkerCrashed, $"the worker did not answer within the task's run limit plus the grace period ({_settings.GracePeriod}); it was stopped and replaced"));
            RetireSlot(slot, RetirementReason.Unresponsive);
            Context.Stop(slot.Worker);
        }

        if (_draining)
        {
            CheckDrainComplete();
        }
    }

    /// <summary>Sends the one answer of <paramref name="task"/> and forgets it.</summary>
    private void Settle(PendingTask task, IScriptReply reply)
    {
        if (!_tasks.Remove(task.TaskId))
        {
            return;
        }

        if (task.QueueNode is { } node)
        {
            _queue.Remove(node);
            task.QueueNode = null;
        }

        Telemetry.TaskTracing.Settled(task.Trace, reply);
        Answer(task.ReplyTo, reply);
    }

    private void Answer(IActorRef replyTo, IScriptReply reply)
    {
        if (!replyTo.Path.Address.HasLocalScope)
        {
            // The transport would drop a frame over its limit and leave the caller waiting for its deadline.
            reply = PayloadLimit.Fit(reply, _settings.MaxRemotePayload);
        }

        if (reply is ScriptFailed failed)
        {
            _failures[(int)failed.Kind]++;
            _metrics.TaskAnswered(failed.Kind);
        }
        else
        {
            _succeeded++;
            _metrics.TaskAnswered(null);
        }

        replyTo.Tell(reply, Self);
    }
}
