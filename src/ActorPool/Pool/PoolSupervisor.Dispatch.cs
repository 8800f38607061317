using ActorPool.Protocol;
using ActorPool.Serialization;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    /// <summary>
    /// Hands queued tasks to idle workers, then (pipelining) one more to each running worker that can take
    /// one, so its engine thread goes straight on to it. When the queue is empty and a worker is idle, a task
    /// still held behind a running one moves to the idle worker, so a held task never waits behind a long one.
    /// </summary>
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

            var slot = _idle.Count > 0 ? TakeIdle(task.Command.Module) : FindHolder();
            if (slot is null)
            {
                return;
            }

            _queue.RemoveFirst();
            task.QueueNode = null;
            if (slot.Task is null)
            {
                StartOn(slot, task, now);
            }
            else
            {
                HoldOn(slot, task, now);
            }
        }

        if (_idle.Count > 0)
        {
            MoveHeldToIdle(now);
        }
    }

    /// <summary>A running worker that may hold one more task: no task held yet, budget left, not leaving.</summary>
    private WorkerSlot? FindHolder()
    {
        if (_phase.ShuttingDown || !_settings.Pipelining)
        {
            return null;
        }

        foreach (var slot in _slots.Values)
        {
            if (slot is { State: SlotState.Busy, Task: not null, Held: null, HasBudget: true } && (!slot.Replaced || slot.Successor is not null))
            {
                return slot;
            }
        }

        return null;
    }

    private void MoveHeldToIdle(DateTimeOffset now)
    {
        if (_heldCount == 0)
        {
            return;
        }

        // Holders first: starting a task on an idle worker may start a replacement (its last task), which adds a slot.
        var holders = _slots.Values.Where(slot => slot.Held is not null).ToList();
        foreach (var slot in holders)
        {
            if (_idle.Count == 0)
            {
                return;
            }

            if (slot.Held is { } held && held.Ticket!.TryWithdraw())
            {
                ClearHeld(slot);
                held.Ticket = null;
                if (ExpiryReason(held, now) is { } reason)
                {
                    Settle(held, new ScriptFailed(held.TaskId, FailureKind.QueueExpired, reason, ScriptFailed.NeverStarted));
                }
                else
                {
                    StartOn(TakeIdle(held.Command.Module), held, now);
                }
            }
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
        slot.State = SlotState.Busy;
        slot.Task = task;
        var runLimit = RunLimit(task, now);
        Promote(task, now, runLimit);
        HandOver(slot, task, now, new StartTask(task.Command, runLimit, Last: slot.Dispatched + 1 >= slot.Budget) { Ticket = task.Ticket! });
    }

    /// <summary>Pipelining: <paramref name="slot"/> holds <paramref name="task"/> and starts it after its current one.</summary>
    private void HoldOn(WorkerSlot slot, PendingTask task, DateTimeOffset now)
    {
        SetHeld(slot, task);
        task.Ticket = new TaskTicket(task.TaskId, held: true);
        task.BackstopAt = DateTimeOffset.MaxValue;
        HandOver(slot, task, now, new StartTask(task.Command, _settings.InFlightTimeout, Last: slot.Dispatched + 1 >= slot.Budget)
        {
            Ticket = task.Ticket,
            ExpiresAt = task.ExpiresAt(_settings.MaxTaskAge),
            DeadlineAt = task.DeadlineAt,
            AcceptedAt = task.AcceptedAt,
        });
    }

    private void HandOver(WorkerSlot slot, PendingTask task, DateTimeOffset now, StartTask start)
    {
        slot.Dispatched++;
        slot.Modules.Add(task.Command.Module);
        task.Worker = slot;
        _metrics.TaskWaited(now - task.AcceptedAt);
        Telemetry.TaskTracing.Started(task.Trace, now - task.AcceptedAt);
        _setup.Hooks?.TaskDispatched?.Invoke(task.TaskId, now - task.AcceptedAt, task.Command.Deadline);
        slot.Worker.Tell(start);
        if (!slot.Replaced && slot.Budget - slot.Dispatched <= RespawnAhead(slot.Budget))
        {
            // Its last task, or close enough to it that an engine start takes as long as the tasks it has left:
            // start the successor now, so it is ready when this worker leaves (respawn unseen).
            StartSuccessor(slot);
        }
        else if (!slot.HasBudget && slot.Successor is { Standby: true })
        {
            // Its last task: the successor standing by serves from now on.
            ReleaseSuccessor(slot);
        }
    }

    /// <summary>Marks <paramref name="task"/> as running from <paramref name="now"/> and arms its backstop.</summary>
    private void Promote(PendingTask task, DateTimeOffset now, TimeSpan runLimit)
    {
        task.Ticket ??= new TaskTicket(task.TaskId);
        task.StartedAt = now;
        task.BackstopAt = now + runLimit + _settings.GracePeriod;
    }

    private TimeSpan RunLimit(PendingTask task, DateTimeOffset now) =>
        task.DeadlineAt is { } deadline && deadline - now < _settings.InFlightTimeout ? deadline - now : _settings.InFlightTimeout;

    /// <summary>Puts a task that never started back at the head of the queue (its age still counts from acceptance).</summary>
    private void Requeue(PendingTask task)
    {
        task.Worker = null;
        task.Ticket = null;
        if (_phase.ShuttingDown)
        {
            Settle(task, new ScriptFailed(task.TaskId, FailureKind.ShuttingDown, "the pool is shutting down; the task was still waiting and never ran", ScriptFailed.NeverStarted));
            return;
        }

        task.QueueNode = _queue.AddFirst(task);
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
        var now = Now;
        _metrics.TaskRan(now - task.StartedAt);
        _taskMillis = Average(_taskMillis, (now - task.StartedAt).TotalMilliseconds);
        Settle(task, finished.Reply);
        if (slot.Held is { } held)
        {
            ClearHeld(slot);
            if (finished.Next == WorkerNext.Idle || !held.Ticket!.TryWithdraw())
            {
                // The engine thread goes straight on to it (or answers it expired): it is the running task now.
                slot.Task = held;
                Promote(held, now, RunLimit(held, now));
            }
            else
            {
                // The engine thread starts no held task after a cut-off, a suspect engine or a retirement.
                Requeue(held);
            }
        }

        switch (slot.Task is null ? finished.Next : WorkerNext.Idle)
        {
            case WorkerNext.Idle when slot.Task is null:
                MakeIdle(slot);
                break;
            case WorkerNext.Idle:
                break;
            case WorkerNext.Recovering:
                // Cut off: its engine thread may never come back. Its successor serves now, or a replacement
                // starts now, so the tasks behind it wait at most an engine start (never a timer).
                slot.State = SlotState.Recovering;
                CoverRecovering(slot, replace: true);
                break;
            case WorkerNext.Renewing:
                // Its engine thread is back and starts a fresh engine: one engine start, no replacement.
                slot.State = SlotState.Recovering;
                CoverRecovering(slot, replace: false);
                break;
            case WorkerNext.Retiring:
                // WorkerRetiring follows from the worker; the replacement starts then.
                slot.State = SlotState.Busy;
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

    private void MakeIdle(WorkerSlot slot)
    {
        if (_phase.ShuttingDown)
        {
            return;
        }

        // A worker whose successor started ahead keeps serving until its budget is spent.
        if (!slot.HasBudget || (slot.Replaced && slot.Successor is null))
        {
            // Its budget is spent (a last task taken back before it started still counts) or its replacement
            // runs already: it is not needed, whether or not it is about to say it retires.
            RetireSlot(slot, RetirementReason.Budget);
            Context.Stop(slot.Worker);
            return;
        }

        slot.State = SlotState.Idle;
        _idle.Add(slot);
    }

    /// <summary>Answers tasks whose worker neither answered nor enforced its own timeout.</summary>
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
