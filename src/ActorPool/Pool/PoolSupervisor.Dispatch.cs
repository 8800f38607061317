using ActorPool.Protocol;
using ActorPool.Serialization;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    /// <summary>Hands queued tasks to idle workers, oldest task first, most recently idled worker first.</summary>
    private void Dispatch()
    {
        var now = Now;
        while (_queue.First is { } node)
        {
            var task = node.Value;
            if (ExpiryReason(task, now) is { } reason)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.QueueExpired, reason));
                continue;
            }

            if (_idle.Count == 0)
            {
                return;
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

        return _idle[index];
    }

    private void StartOn(WorkerSlot slot, PendingTask task, DateTimeOffset now)
    {
        var runLimit = task.DeadlineAt is { } deadline && deadline - now < _settings.InFlightTimeout ? deadline - now : _settings.InFlightTimeout;
        SetState(slot, new SlotState.Busy(task));
        task.Worker = slot;
        task.StartedAt = now;
        task.BackstopAt = now + runLimit + _settings.GracePeriod;
        slot.Dispatched++;
        slot.Modules.Add(task.Command.Module);
        _metrics.TaskWaited(now - task.AcceptedAt);
        Telemetry.TaskTracing.Started(task.Trace, now - task.AcceptedAt);
        _setup.Observer?.TaskDispatched(task.TaskId, now - task.AcceptedAt, task.Command.Deadline);
        slot.Worker.Tell(new StartTask(task.Command, runLimit, Last: !slot.HasBudget));
        if (!slot.HasBudget)
        {
            // Its last task: the successor starts now if it has not yet, and stands by until the last task ends,
            // so the pool never runs more than its target of tasks and no task waits for an engine start.
            StartSuccessor(slot);
        }
        else if (_succession.StartsSuccessor(slot.Budget, slot.Dispatched))
        {
            StartSuccessor(slot);
        }
    }

    private void OnTaskFinished(TaskFinished finished, IActorRef worker)
    {
        if (!_slots.TryGetValue(worker, out var slot))
        {
            return;
        }

        if (slot.State is not SlotState.Busy { Task: var task } || task.TaskId != finished.TaskId)
        {
            _log.Warning("Worker {0} answered task {1}, which it was not running; retiring it", worker.Path.Name, finished.TaskId);
            RetireSlot(slot, RetirementReason.StrayReply);
            Context.Stop(worker);
            return;
        }

        var now = Now;
        _metrics.TaskRan(now - task.StartedAt);
        _succession.TaskRan(now - task.StartedAt);
        Settle(task, finished.Reply);
        switch (finished.Next)
        {
            case WorkerNext.Idle:
                MakeIdle(slot);
                break;
            case WorkerNext.Recovering:
                // Cut off: its engine thread may never come back. Its successor serves now, or a replacement
                // starts now, so the tasks behind it wait at most an engine start (never a timer).
                Recover(slot, now);
                break;
            case WorkerNext.Renewing:
                // Its engine thread is back and starts a fresh engine: one engine start, no replacement.
                SetState(slot, new SlotState.Renewing(now));
                ReleaseSuccessor(slot);
                break;
            case WorkerNext.Retiring:
                RetireSlot(slot, finished.Reason);
                break;
        }

        if (_phase is SupervisorPhase.Draining)
        {
            _drainCompleted++;
            CheckDrainComplete();
        }
        else
        {
            Dispatch();
        }
    }

    /// <summary>A worker that finished a task normally serves again, unless its budget is spent.</summary>
    private void MakeIdle(WorkerSlot slot)
    {
        if (!slot.HasBudget)
        {
            // Its budget is spent: it is not needed, whether or not it is about to say it retires.
            RetireSlot(slot, RetirementReason.Budget);
            Context.Stop(slot.Worker);
            return;
        }

        SetState(slot, SlotState.Idle.Instance);
    }

    /// <summary>
    /// Changes what the supervisor knows of <paramref name="slot"/>, keeping the idle list (LIFO: the most
    /// recently idled worker is the hottest) in step with it.
    /// </summary>
    private void SetState(WorkerSlot slot, SlotState state)
    {
        if (slot.State is SlotState.Idle)
        {
            _idle.Remove(slot);
        }

        slot.State = state;
        if (state is SlotState.Idle && !_phase.ShuttingDown)
        {
            _idle.Add(slot);
        }
    }

    /// <summary>Answers tasks whose worker neither answered nor enforced its own timeout.</summary>
    private void CheckBackstops(DateTimeOffset now)
    {
        List<(WorkerSlot Slot, PendingTask Task)>? late = null;
        foreach (var slot in _slots.Values)
        {
            if (slot.State is SlotState.Busy { Task: var task } && now >= task.BackstopAt)
            {
                (late ??= []).Add((slot, task));
            }
        }

        if (late is null)
        {
            return;
        }

        foreach (var (slot, task) in late)
        {
            _log.Warning("Worker {0} did not answer task {1} within its run limit plus grace; stopping it", slot.Worker.Path.Name, task.TaskId);
            Settle(task, new ScriptFailed(task.TaskId, FailureKind.WorkerCrashed, $"the worker did not answer within the task's run limit plus the grace period ({_settings.GracePeriod}); it was stopped and replaced"));
            RetireSlot(slot, RetirementReason.Unresponsive);
            Context.Stop(slot.Worker);
        }

        if (_phase is SupervisorPhase.Draining)
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
        Answer(task.ReplyTo, reply, task.Batch, task.BatchIndex);
    }

    /// <summary>Counts <paramref name="reply"/> and sends it, or collects it into its batch and sends the batch when complete.</summary>
    private void Answer(IActorRef replyTo, IScriptReply reply, BatchReplies? batch = null, int index = 0)
    {
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

        if (batch is null)
        {
            replyTo.Tell(Fit(replyTo, reply, _settings.MaxRemotePayload), Self);
            return;
        }

        if (!batch.Set(index, reply))
        {
            return;
        }

        var replies = batch.Replies;
        if (!replyTo.Path.Address.HasLocalScope)
        {
            // The whole batch travels in one frame: each reply gets an equal share of the payload limit.
            var share = Math.Max(1024, _settings.MaxRemotePayload / replies.Count);
            replies = [.. replies.Select(r => Fit(replyTo, r, share))];
        }

        replyTo.Tell(new ScriptBatchCompleted(batch.TaskId, replies), Self);
    }

    /// <summary>
    /// A reply for a remote caller, cut to <paramref name="limit"/>: the transport would drop a larger frame
    /// and leave the caller waiting for its deadline.
    /// </summary>
    private static IScriptReply Fit(IActorRef replyTo, IScriptReply reply, long limit) =>
        replyTo.Path.Address.HasLocalScope ? reply : PayloadLimit.Fit(reply, limit);
}
