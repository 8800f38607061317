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
    /// Hands queued tasks to idle workers, oldest task first, most recently idled worker first: a task alone, or a
    /// batch's calls queued together as one job (<see cref="TakeJob"/>).
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

            if (_idle.Count == 0)
            {
                return;
            }

            var slot = TakeIdle(task.Command.Module);
            StartOn(slot, TakeJob(task, slot, now), now);
        }
    }

    /// <summary>
    /// The most calls one job takes across batches (<see cref="TakeJob"/>): a batch's own run is never cut below its
    /// length by this (only by the worker's budget), but runs of later batches join a job only up to this size, so
    /// one job holds a few batches' worth of hand-offs, not a whole queue.
    /// </summary>
    internal const int MaxJobCalls = 64;

    /// <summary>
    /// Takes <paramref name="head"/> (unexpired, first in the queue) off the queue with, when it is a call of a
    /// batch, the batch calls of the same caller queued right behind it (its own batch's, then those of the same
    /// caller's next batches up to <see cref="MaxJobCalls"/>): as many as <paramref name="slot"/>'s budget has room
    /// for, so that they cross to its engine thread as one job. Only one caller's calls share a job: a call that
    /// overruns holds back only its own caller's calls behind it, never another caller's. The run is shared evenly
    /// among the idle workers only when nothing else waits behind it (otherwise the other workers take what waits,
    /// and every extra job is one more hand-off). Expired calls on the way are answered <c>QueueExpired</c>.
    /// </summary>
    private List<PendingTask> TakeJob(PendingTask head, WorkerSlot slot, DateTimeOffset now)
    {
        if (head.Batch is not { } batch)
        {
            Unqueue(head);
            return [head];
        }

        // The calls that may join: the head's own batch, then batch calls of the same caller, in queue order.
        var run = 0;
        for (var node = _queue.First; node is not null && Joins(node.Value, head); node = node.Next)
        {
            if (run >= MaxJobCalls && node.Value.Batch != batch)
            {
                break;
            }

            run++;
        }

        var size = Math.Min(slot.Budget - slot.Dispatched, run);
        if (run == _queue.Count && _idle.Count > 1)
        {
            size = Math.Min(size, (run + _idle.Count - 1) / _idle.Count);
        }

        var job = new List<PendingTask>(size);
        Unqueue(head);
        job.Add(head);
        while (job.Count < size && _queue.First is { } node && Joins(node.Value, head))
        {
            var call = node.Value;
            if (ExpiryReason(call, now) is { } reason)
            {
                Settle(call, new ScriptFailed(call.TaskId, FailureKind.QueueExpired, reason));
                continue;
            }

            Unqueue(call);
            job.Add(call);
        }

        return job;
    }

    /// <summary>Whether queued <paramref name="call"/> may join the job of batch call <paramref name="head"/>: a batch call of the same caller.</summary>
    private static bool Joins(PendingTask call, PendingTask head) =>
        call.Batch is not null && (call.Batch == head.Batch || ReferenceEquals(call.ReplyTo, head.ReplyTo) || call.ReplyTo.Equals(head.ReplyTo));

    private void Unqueue(PendingTask task)
    {
        _queue.Remove(task.QueueNode!);
        task.QueueNode = null;
    }

    /// <summary>The most recently idled worker, preferring one that has the module loaded already.</summary>
    private WorkerSlot TakeIdle(string module)
    {
        var index = _idle.Count - 1;
        for (var i = _idle.Count - 1; i >= 0; i--)
        {
            if (_idle[i].HasLoaded(module))
            {
                index = i;
                break;
            }
        }

        return _idle[index];
    }

    /// <summary>
    /// Hands <paramref name="tasks"/> to <paramref name="slot"/> as one job. Each call's run limit is the in-flight
    /// timeout from the moment it starts (less when its caller's deadline is nearer); a call after the first may not
    /// start past its queue age limit or deadline (the engine thread answers it <c>QueueExpired</c> instead). The
    /// backstop is when the job's last possible call would end: the latest start-by of its calls plus its run limit,
    /// plus the grace period.
    /// </summary>
    private void StartOn(WorkerSlot slot, List<PendingTask> tasks, DateTimeOffset now)
    {
        var calls = new JobCall[tasks.Count];
        var backstop = now;
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var startBy = i == 0 ? now : task.ExpiresAt(_settings.MaxTaskAge);
            var end = startBy + _settings.InFlightTimeout;
            end = task.DeadlineAt is { } deadline && deadline < end ? deadline : end;
            backstop = end > backstop ? end : backstop;
        }

        backstop += _settings.GracePeriod;
        SetState(slot, new SlotState.Busy(tasks));
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            task.Worker = slot;
            task.StartedAt = now;
            task.BackstopAt = backstop;
            slot.Loads(task.Command.Module);
            calls[i] = new JobCall(task.Command, _settings.InFlightTimeout, i == 0 ? null : task.ExpiresAt(_settings.MaxTaskAge), task.DeadlineAt);
            _metrics.TaskWaited(now - task.AcceptedAt);
            Telemetry.TaskTracing.Started(task.Trace, now - task.AcceptedAt);
            _setup.Observer?.TaskDispatched(task.TaskId, now - task.AcceptedAt, task.Command.Deadline);
        }

        slot.Dispatched += tasks.Count;
        slot.Worker.Tell(new StartTask(calls, Last: !slot.HasBudget));
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

        if (slot.State is not SlotState.Busy { Tasks: var tasks } || tasks[0].TaskId != finished.TaskId || finished.Replies.Count != tasks.Count)
        {
            _log.Warning("Worker {0} answered task {1}, which it was not running; retiring it", worker.Path.Name, finished.TaskId);
            RetireSlot(slot, RetirementReason.StrayReply);
            Context.Stop(worker);
            return;
        }

        var now = Now;
        var took = now - tasks[0].StartedAt;
        _metrics.TaskRan(took);
        // Succession counts tasks: a job of n calls took about n calls' time.
        _succession.TaskRan(tasks.Count == 1 ? took : took / tasks.Count);
        List<PendingTask>? notStarted = null;
        var answered = 0;
        for (var i = 0; i < tasks.Count; i++)
        {
            var reply = finished.Replies[i];
            if (ScriptWorker.NeverRan(reply))
            {
                // The budget counts calls that ran: the worker gave this one back too (ScriptWorker.Refund).
                slot.Dispatched--;
            }

            if (reply is not null)
            {
                Settle(tasks[i], reply);
                answered++;
            }
            else
            {
                (notStarted ??= []).Add(tasks[i]);
            }
        }

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

        if (notStarted is not null)
        {
            Requeue(notStarted);
        }

        if (_phase is SupervisorPhase.Draining)
        {
            _drainCompleted += answered;
            CheckDrainComplete();
        }
        else
        {
            Dispatch();
        }
    }

    /// <summary>
    /// Calls of a job that never started (it was cut off or stopped early) go back to the head of the queue in
    /// their order, keeping their accept time (so their age and deadline still count); while the pool shuts down or
    /// is latched they are answered as never started instead, as the queued tasks were.
    /// </summary>
    private void Requeue(List<PendingTask> tasks)
    {
        for (var i = tasks.Count - 1; i >= 0; i--)
        {
            var task = tasks[i];
            task.Worker = null;
            if (_phase.ShuttingDown)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.ShuttingDown, "the pool is shutting down; the task had not started and never ran", ScriptFailed.NeverStarted));
            }
            else if (_phase.Latched)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.PoolUnavailable, UnavailableMessage(), ScriptFailed.NeverStarted));
            }
            else
            {
                task.QueueNode = _queue.AddFirst(task);
            }
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
        List<(WorkerSlot Slot, IReadOnlyList<PendingTask> Tasks)>? late = null;
        foreach (var slot in _slots.Values)
        {
            if (slot.State is SlotState.Busy { Tasks: var tasks } && now >= tasks[0].BackstopAt)
            {
                (late ??= []).Add((slot, tasks));
            }
        }

        if (late is null)
        {
            return;
        }

        foreach (var (slot, tasks) in late)
        {
            _log.Warning("Worker {0} did not answer task {1} within its run limit plus grace; stopping it", slot.Worker.Path.Name, tasks[0].TaskId);
            foreach (var task in tasks)
            {
                Settle(task, new ScriptFailed(task.TaskId, FailureKind.WorkerCrashed, $"the worker did not answer within the task's run limit plus the grace period ({_settings.GracePeriod}); it was stopped and replaced"));
            }

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
