using ActorPool.Modules;
using ActorPool.Workers;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Event;

namespace ActorPool.Pool;

internal sealed partial class PoolSupervisor
{
    private const int MaxTaskIdLength = 256;

    /// <summary>
    /// Accepts the calls of a batch one by one (each is answered into the batch's collected replies), then
    /// dispatches once, so that the calls queued together leave as jobs of many calls (docs/architecture.md,
    /// "Batches"). A call that finds the queue full first lets the idle workers take what is queued.
    /// </summary>
    private void AcceptBatch(RunScriptBatch batch, IActorRef replyTo)
    {
        if (string.IsNullOrEmpty(batch.TaskId) || batch.TaskId.Length > MaxTaskIdLength)
        {
            Answer(replyTo, new ScriptFailed(batch.TaskId ?? string.Empty, FailureKind.InvalidRequest, $"the batch id must be 1..{MaxTaskIdLength} characters"));
            return;
        }

        if (batch.Calls is null || batch.Calls.Count > RunScriptBatch.MaxCalls)
        {
            Answer(replyTo, new ScriptFailed(batch.TaskId, FailureKind.InvalidRequest, $"a batch holds 0..{RunScriptBatch.MaxCalls} calls (had {batch.Calls?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}); split it"));
            return;
        }

        if (batch.Calls.Count == 0)
        {
            replyTo.Tell(new ScriptBatchCompleted(batch.TaskId, []), Self);
            return;
        }

        var replies = new BatchReplies(batch.TaskId, replyTo, batch.Calls.Count);
        for (var i = 0; i < batch.Calls.Count; i++)
        {
            if (batch.Calls[i] is { } call)
            {
                Accept(call, replyTo, replies, i, dispatch: false);
            }
            else
            {
                Answer(replyTo, new ScriptFailed(string.Empty, FailureKind.InvalidRequest, $"call {i} of the batch is missing"), replies, i);
            }
        }

        Dispatch();
    }

    /// <summary>Accepts one task (or one call of a batch); <paramref name="dispatch"/> false leaves the dispatch to the batch.</summary>
    private void Accept(RunScript run, IActorRef replyTo, BatchReplies? batch = null, int index = 0, bool dispatch = true)
    {
        if (Validate(run) is { } problem)
        {
            Answer(replyTo, new ScriptFailed(run.TaskId ?? string.Empty, FailureKind.InvalidRequest, problem), batch, index);
            return;
        }

        if (_phase.ShuttingDown)
        {
            Answer(replyTo, new ScriptFailed(run.TaskId, FailureKind.ShuttingDown, "the pool is shutting down and accepts no new tasks"), batch, index);
            return;
        }

        if (_phase.Latched)
        {
            Answer(replyTo, new ScriptFailed(run.TaskId, FailureKind.PoolUnavailable, UnavailableMessage()), batch, index);
            return;
        }

        if (_tasks.ContainsKey(run.TaskId))
        {
            Answer(replyTo, new ScriptFailed(run.TaskId, FailureKind.InvalidRequest, $"a task with id '{run.TaskId}' is already queued or running; task ids must be unique among tasks in flight"), batch, index);
            return;
        }

        if (!dispatch && Waiting >= _settings.MaxQueueLength)
        {
            // The calls queued before it may fit the idle workers.
            Dispatch();
        }

        if (Waiting >= _settings.MaxQueueLength)
        {
            Answer(replyTo, new ScriptFailed(run.TaskId, FailureKind.Overloaded, $"the queue is full (actor-pool.max-queue-length = {_settings.MaxQueueLength}); retry later or raise the limit"), batch, index);
            return;
        }

        var task = new PendingTask(run, replyTo, Now) { Batch = batch, BatchIndex = index, Trace = Telemetry.TaskTracing.Accepted(run) };
        task.QueueNode = _queue.AddLast(task);
        _tasks.Add(run.TaskId, task);
        if (dispatch)
        {
            Dispatch();
        }
    }

    private string? Validate(RunScript run)
    {
        if (string.IsNullOrEmpty(run.TaskId) || run.TaskId.Length > MaxTaskIdLength)
        {
            return $"the task id must be 1..{MaxTaskIdLength} characters";
        }

        if (!ModuleNames.IsValid(run.Module))
        {
            return $"'{run.Module}' is not a valid module name: use 1..{ModuleNames.MaxLength} letters, digits, '_', '-', '.', '$'";
        }

        if (!ModuleNames.IsValid(run.Function))
        {
            return $"'{run.Function}' is not a valid function name: use 1..{ModuleNames.MaxLength} letters, digits, '_', '-', '.', '$'";
        }

        if (run.ArgsJson is null)
        {
            return "the arguments must be a JSON array (use \"[]\" for none)";
        }

        if (run.ArgsJson.Length > _settings.Engine.MaxArgsLength)
        {
            return $"the arguments are {run.ArgsJson.Length} characters long; the limit is {_settings.Engine.MaxArgsLength} (actor-pool.engine.max-args-length)";
        }

        if (run.Deadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            return $"the deadline must be positive (was {deadline})";
        }

        return null;
    }

    private void Cancel(string taskId)
    {
        if (taskId is null || !_tasks.TryGetValue(taskId, out var task))
        {
            return;
        }

        if (task.QueueNode is not null)
        {
            Settle(task, new ScriptFailed(taskId, FailureKind.Cancelled, "the task was cancelled by its caller before it started", ScriptFailed.NeverStarted));
        }
        else
        {
            // Running: its worker alone decides its answer (it cuts the engine off, or has answered already).
            task.Worker?.Worker.Tell(new WorkerProtocol.CancelTask(taskId));
        }
    }

    /// <summary>Tasks accepted and not started (they count against max-queue-length).</summary>
    private int Waiting => _queue.Count;

    /// <summary>Answers every queued task that is past its age limit or its caller's deadline.</summary>
    private void SweepQueue(DateTimeOffset now)
    {
        var node = _queue.First;
        while (node is not null)
        {
            var next = node.Next;
            if (ExpiryReason(node.Value, now) is { } reason)
            {
                Settle(node.Value, new ScriptFailed(node.Value.TaskId, FailureKind.QueueExpired, reason));
            }

            node = next;
        }
    }

    private string? ExpiryReason(PendingTask task, DateTimeOffset now)
    {
        if (task.DeadlineAt is { } deadline && now >= deadline)
        {
            return $"the caller's deadline ({task.Command.Deadline}) passed before a worker was free; the task never ran";
        }

        var age = now - task.AcceptedAt;
        return age >= _settings.MaxTaskAge
            ? $"the task waited {age.TotalMilliseconds:0} ms in the queue, longer than actor-pool.max-task-age ({_settings.MaxTaskAge.TotalMilliseconds:0} ms); it never ran"
            : null;
    }

    private void FailQueued(FailureKind kind, string message)
    {
        while (_queue.First is { } node)
        {
            // Every queued task is answered before it ran: say so, so a router may send it elsewhere.
            Settle(node.Value, new ScriptFailed(node.Value.TaskId, kind, message, ScriptFailed.NeverStarted));
        }
    }
}
