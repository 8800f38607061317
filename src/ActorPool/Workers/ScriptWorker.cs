using ActorPool.Engines;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Workers;

/// <summary>
/// Owns one engine on a dedicated engine thread and runs one task at a time for its supervisor.
/// </summary>
/// <remarks>
/// Its lifecycle is a set of behaviors, each handling only the messages valid in it:
/// <c>Starting</c> → <c>Idle</c> ⇄ <c>Running(ticket)</c> → <c>Recovering(ticket)</c> → <c>Idle</c>, and
/// <c>Retiring</c> from any of them (budget spent, engine abandoned, engine replacement failed, a task sent
/// while not idle); a failed start ends in <c>StartFailed</c>, where it waits for the supervisor to stop it.
/// While a task is in flight its run limit is the actor's <c>ReceiveTimeout</c> (set when the task starts,
/// cleared when it ends; every message a running worker receives is an <see cref="INotInfluenceReceiveTimeout"/>,
/// so held tasks, cancels, stats and engine reports never postpone it); on expiry (or on cancel) it
/// cancels the engine, answers, and waits for the engine thread to come back with a fresh engine, retiring
/// when it does not within the grace period. See docs/architecture.md.
/// </remarks>
internal sealed class ScriptWorker : UntypedActor, IWithTimers
{
    private const string GraceTimer = "grace";
    private readonly WorkerSetup _setup;
    private readonly int _budget;
    private readonly IActorRef _supervisor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private EngineHost? _host;
    private TaskTicket? _inFlight;
    private TaskTicket? _lastPosted;
    private int _tasksRun;
    private DateTimeOffset _runLimitAt;

    public ScriptWorker(WorkerSetup setup, int budget, IActorRef supervisor)
    {
        _setup = setup;
        _budget = budget;
        _supervisor = supervisor;
        Become(Starting);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for a worker that reports to <paramref name="supervisor"/> and runs at most <paramref name="budget"/> tasks.</summary>
    public static Props Props(WorkerSetup setup, int budget, IActorRef supervisor) =>
        Akka.Actor.Props.Create(() => new ScriptWorker(setup, budget, supervisor)).WithDeploy(Deploy.Local);

    protected override void PreStart()
    {
        var self = Self;
        var settings = _setup.Settings;
        _host = new EngineHost(
            $"actorpool-engine-{Self.Path.Name}",
            settings.Engine.ThreadStackSize,
            _setup.CreateEngine,
            ex => self.Tell(new EngineCrashed(ex)));
        _host.Post(host =>
        {
            try
            {
                host.CreateEngine();
                foreach (var module in settings.PreloadModules)
                {
                    host.Engine.EnsureModule(module);
                }

                self.Tell(new EngineStarted(null));
            }
#pragma warning disable CA1031 // Any start failure is reported to the supervisor, which backs off and retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                self.Tell(new EngineStarted(ex));
            }
        });
    }

    protected override void PostStop()
    {
        // The engine thread may still be running a script: stop it from answering, cut it off, let it end.
        if (_inFlight is { } ticket)
        {
            ticket.TrySettle();
            ticket.Cancellation.Cancel();
        }

        // A held task the engine thread may have started without this worker knowing yet: cut it off too. One
        // not started stays withdrawable, so the supervisor queues it again.
        _lastPosted?.Cancellation.Cancel();

        _host?.Stop();
    }

    protected override void OnReceive(object message) => Unhandled(message);

    private void Starting(object message)
    {
        switch (message)
        {
            case EngineStarted { Failure: { } failure }:
                _log.Warning("Worker {0} failed to start its engine: {1}", Self.Path.Name, failure.Message);
                // The supervisor counts the failure and stops this worker (so it reads the reason first).
                _supervisor.Tell(new WorkerStartFailed(failure.Message));
                Become(StartFailed);
                break;
            case EngineStarted:
                _supervisor.Tell(new WorkerReady());
                BecomeIdle();
                break;
            default:
                Common(message, "starting");
                break;
        }
    }

    private void StartFailed(object message) => Common(message, "start-failed");

    private void BecomeIdle(StartTask? pending = null)
    {
        _inFlight = null;
        Become(message => Idle(message, pending));
    }

    /// <summary>
    /// Idle; <paramref name="pending"/> is a held task the engine thread may still pick up (it says so with
    /// <see cref="HeldStarted"/>, or settles it as expired, or skips it when the supervisor withdrew it).
    /// </summary>
    private void Idle(object message, StartTask? pending)
    {
        switch (message)
        {
            case StartTask start when (pending is null || pending.Ticket.IsWithdrawn) && start.Ticket.ForHolding:
                // Handed over for holding, but the task before it ended meanwhile: the engine thread starts it
                // as a held task (checking its expiry, racing the supervisor's withdrawal).
                Post(start, Count(start), held: true);
                BecomeIdle(pending: start);
                break;
            case StartTask start when pending is null || pending.Ticket.IsWithdrawn:
                Run(start);
                break;
            case StartTask start:
                // The supervisor counts the pending task as running (the engine thread is starting it right now):
                // the new one is held behind it.
                BeginHeld(pending);
                Hold(pending.Ticket, start);
                break;
            case HeldStarted started when started.TaskId == pending?.Command.TaskId:
                BeginHeld(pending);
                break;
            case EngineSettled settled when settled.TaskId == pending?.Command.TaskId:
                // It expired before the engine thread could start it, or was taken back as the budget's last.
                if (settled.Next == WorkerNext.Retiring)
                {
                    Retire(settled.Reason);
                }
                else
                {
                    BecomeIdle();
                }

                break;
            case CancelTask cancel when cancel.TaskId == pending?.Command.TaskId:
                // The supervisor could not withdraw it, so the engine thread has started it: cut it off there.
                pending.Ticket.Cancellation.Cancel();
                break;
            case CancelTask:
                // The task it names is already answered.
                break;
            default:
                Common(message, "idle");
                break;
        }
    }

    private void Run(StartTask start)
    {
        var last = Count(start);
        _inFlight = start.Ticket;
        ArmRunLimit(start);
        Post(start, last, held: false);
        Become(message => Running(message, start.Ticket, null));
    }

    /// <summary>Pipelining: queues <paramref name="start"/> on the engine thread behind the current task.</summary>
    private void Hold(TaskTicket current, StartTask start)
    {
        var last = Count(start);
        Post(start, last, held: true);
        Become(message => Running(message, current, start));
    }

    private void BeginHeld(StartTask held)
    {
        _inFlight = held.Ticket;
        ArmRunLimit(held);
        Become(message => Running(message, held.Ticket, null));
    }

    /// <summary>
    /// Arms the run limit as this actor's <c>ReceiveTimeout</c>: the task's limit, cut to what is left of its
    /// caller's deadline (a task handed over for holding may start later than it was handed over, even on an
    /// idle worker when the hand-over crossed the end of the task before it). Every message a running worker
    /// receives is an <see cref="INotInfluenceReceiveTimeout"/> (held tasks, cancels, stats, engine reports), so
    /// none of them postpones it.
    /// </summary>
    private void ArmRunLimit(StartTask start)
    {
        var now = Context.System.Scheduler.Now;
        var runLimit = start.RunLimit;
        if (start.DeadlineAt is { } deadline && deadline - now < runLimit)
        {
            runLimit = deadline - now;
        }

        runLimit = runLimit > TimeSpan.Zero ? runLimit : TimeSpan.FromMilliseconds(1);
        _runLimitAt = now + runLimit;
        Context.SetReceiveTimeout(runLimit);
    }

    /// <summary>Clears the run limit: no task is in flight.</summary>
    private static void DisarmRunLimit() => Context.SetReceiveTimeout(null);

    /// <summary>
    /// True when a <c>ReceiveTimeout</c> is the running task's: one the previous task's limit put in the mailbox
    /// just before that task ended is stale (Akka may enqueue it after other messages), and the limit is re-armed
    /// for the time that is left.
    /// </summary>
    private bool RunLimitReached()
    {
        var left = _runLimitAt - Context.System.Scheduler.Now;
        if (left <= TimeSpan.Zero)
        {
            return true;
        }

        Context.SetReceiveTimeout(left);
        return false;
    }

    /// <summary>Counts a task against the budget; true when it is the last one.</summary>
    private bool Count(StartTask start)
    {
        _tasksRun++;
        _setup.Hooks?.TaskStarted?.Invoke(Self.Path.Name, start.Command.TaskId, _tasksRun, _budget);
        return start.Last || _tasksRun >= _budget;
    }

    private void Post(StartTask start, bool last, bool held)
    {
        var self = Self;
        var supervisor = _supervisor;
        var setup = _setup;
        var scheduler = Context.System.Scheduler;
        _lastPosted = start.Ticket;
        _host!.Post(host => RunOnEngine(host, start, last, held, scheduler, self, supervisor, setup));
    }

    private void Running(object message, TaskTicket ticket, StartTask? held)
    {
        switch (message)
        {
            case EngineSettled settled when settled.TaskId == ticket.TaskId:
                DisarmRunLimit();
                switch (settled.Next)
                {
                    case WorkerNext.Idle:
                        BecomeIdle(held);
                        break;
                    case WorkerNext.Recovering or WorkerNext.Renewing:
                        // A held task never starts after this; the supervisor takes it back.
                        BecomeRecovering(ticket);
                        break;
                    default:
                        _inFlight = null;
                        Retire(settled.Reason);
                        break;
                }

                break;
            case StartTask start when held is null || held.Ticket.IsWithdrawn:
                Hold(ticket, start);
                break;
            case ReceiveTimeout when RunLimitReached():
                CutOff(ticket, FailureKind.Timeout, $"the task ran longer than its in-flight timeout (actor-pool.in-flight-timeout = {_setup.Settings.InFlightTimeout}, or the caller's deadline)");
                break;
            case CancelTask cancel when cancel.TaskId == ticket.TaskId:
                CutOff(ticket, FailureKind.Cancelled, "the task was cancelled by its caller");
                break;
            case CancelTask cancel when cancel.TaskId == held?.Command.TaskId:
                // The supervisor could not withdraw it, so the engine thread has started it: cut it off there.
                held.Ticket.Cancellation.Cancel();
                break;
            case CancelTask:
                break;
            default:
                Common(message, "running");
                break;
        }
    }

    /// <summary>Answers the task in flight itself and cuts the engine off (timeout or cancel).</summary>
    private void CutOff(TaskTicket ticket, FailureKind kind, string message)
    {
        DisarmRunLimit();
        if (!ticket.TrySettle())
        {
            // The engine thread settled first; its EngineSettled is on its way.
            return;
        }

        ticket.Cancellation.Cancel();
        // Grace timer first: whoever reads the answer may move the clock on at once.
        BecomeRecovering(ticket);
        _supervisor.Tell(new TaskFinished(ticket.TaskId, new ScriptFailed(ticket.TaskId, kind, message), WorkerNext.Recovering));
    }

    private void BecomeRecovering(TaskTicket ticket)
    {
        Timers.StartSingleTimer(GraceTimer, new GraceExpired(ticket.TaskId), _setup.Settings.GracePeriod);
        Become(message => Recovering(message, ticket));
    }

    private void Recovering(object message, TaskTicket ticket)
    {
        switch (message)
        {
            case EngineRecovered recovered when recovered.TaskId == ticket.TaskId:
                Timers.Cancel(GraceTimer);
                _inFlight = null;
                if (recovered.Failure is not null)
                {
                    _log.Warning("Worker {0} could not replace its engine: {1}", Self.Path.Name, recovered.Failure.Message);
                    Retire(RetirementReason.StartFailed);
                }
                else if (_tasksRun >= _budget)
                {
                    Retire(RetirementReason.Budget);
                }
                else
                {
                    _supervisor.Tell(new WorkerAvailable());
                    BecomeIdle();
                }

                break;
            case GraceExpired expired when expired.TaskId == ticket.TaskId:
                _log.Warning("Engine thread of {0} did not come back within {1} after task {2}; abandoning it", Self.Path.Name, _setup.Settings.GracePeriod, expired.TaskId);
                _setup.Metrics.EngineAbandoned();
                Retire(RetirementReason.EngineAbandoned);
                break;
            case CancelTask or ReceiveTimeout:
                // The task is answered already; the engine thread is on its way back.
                break;
            default:
                Common(message, "recovering");
                break;
        }
    }

    private void Retire(RetirementReason reason)
    {
        _supervisor.Tell(new WorkerRetiring(reason));
        Become(Retiring);
        Context.Stop(Self);
    }

    private void Retiring(object message)
    {
        switch (message)
        {
            case StartTask start when !start.Ticket.ForHolding:
                RejectTask(start, "retiring");
                break;
            default:
                Common(message, "retiring");
                break;
        }
    }

    /// <summary>Messages with the same meaning in every state.</summary>
    private void Common(object message, string state)
    {
        switch (message)
        {
            case GetWorkerState:
                Sender.Tell(new WorkerState(state, _inFlight?.TaskId, _tasksRun));
                break;
            case StartTask { Ticket.ForHolding: true }:
                // Handed over for holding while this worker's task was being cut off or it was leaving: the
                // supervisor takes it back (it never started) when it reads why.
                break;
            case StartTask start:
                // The supervisor never does this; answer rather than lose the task, and leave.
                RejectTask(start, state);
                Retire(RetirementReason.Crashed);
                break;
            case EngineCrashed crashed:
                throw new WorkerCrashedException($"engine thread failed while the worker was {state} (task '{_inFlight?.TaskId ?? "none"}')", crashed.Failure);
            case CancelTask or ReceiveTimeout or GraceExpired or EngineSettled or EngineRecovered or HeldStarted:
                // Late echoes of an earlier state (a timer or engine report that lost a race): nothing to do.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void RejectTask(StartTask start, string state)
    {
        var id = start.Command.TaskId;
        _supervisor.Tell(new TaskFinished(id, new ScriptFailed(id, FailureKind.WorkerCrashed, $"the worker was {state}, not idle; the task never ran", ScriptFailed.NeverStarted), WorkerNext.Retiring));
    }

    /// <summary>Runs on the engine thread. Touches no actor state: it reports with messages only.</summary>
    private static void RunOnEngine(EngineHost host, StartTask start, bool last, bool held, IScheduler scheduler, IActorRef self, IActorRef supervisor, WorkerSetup setup)
    {
        var command = start.Command;
        var ticket = start.Ticket;
        if (held)
        {
            // A held task starts only behind a task that ended normally; otherwise the supervisor takes it back.
            if (host.IsStopped || !host.MayStartHeld)
            {
                return;
            }

            // One reading of the clock decides, and is what the observation hook sees.
            var now = scheduler.Now;
            if (start.ExpiresAt is { } expiresAt && now >= expiresAt)
            {
                if (ticket.TryWithdraw())
                {
                    var (afterExpiry, why) = last ? (WorkerNext.Retiring, RetirementReason.Budget) : (WorkerNext.Idle, RetirementReason.Budget);
                    self.Tell(new EngineSettled(command.TaskId, afterExpiry, why));
                    supervisor.Tell(new TaskFinished(command.TaskId, new ScriptFailed(command.TaskId, FailureKind.QueueExpired, "the task passed its queue age limit (actor-pool.max-task-age) or its caller's deadline while it waited for its worker; it never ran", ScriptFailed.NeverStarted), afterExpiry), self);
                }

                return;
            }

            if (!ticket.TryStart())
            {
                // The supervisor took it back. If it was the last of the budget, nothing else will come: retire.
                if (last)
                {
                    self.Tell(new EngineSettled(command.TaskId, WorkerNext.Retiring, RetirementReason.Budget));
                }

                return;
            }

            self.Tell(new HeldStarted(command.TaskId));
            if (setup.Hooks?.HeldTaskStarted is { } observe && start.AcceptedAt is { } acceptedAt)
            {
                observe(command.TaskId, now - acceptedAt, command.Deadline);
            }
        }

        IScriptReply reply;
        var suspect = false;
        try
        {
            setup.Hooks?.BeforeRun?.Invoke(command.TaskId);
            var json = host.Engine.Call(command.Module, command.Function, command.ArgsJson, ticket.Cancellation.Token);
            reply = new ScriptSucceeded(command.TaskId, json);
        }
#pragma warning disable CA1031 // Every exception is either a task failure or a worker crash; none may end the thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (EngineFailures.Map(ex, setup.LimitsText) is not { } failure)
            {
                host.MayStartHeld = false;
                if (ticket.TrySettle())
                {
                    self.Tell(new EngineCrashed(ex));
                }

                return;
            }

            reply = new ScriptFailed(command.TaskId, failure.Kind, failure.Message, failure.Details, failure.Limit);
            suspect = failure.EngineSuspect;
        }

        if (!ticket.TrySettle())
        {
            // The worker answered first (timeout or cancel): give it a fresh engine and report back.
            host.MayStartHeld = false;
            if (!host.IsStopped)
            {
                ReplaceEngine(host, command.TaskId, self);
            }

            return;
        }

        var (next, reason) =
            last ? (WorkerNext.Retiring, RetirementReason.Budget)
            : reply is ScriptFailed { Kind: FailureKind.ScriptError } && setup.Settings.RecycleOnScriptError ? (WorkerNext.Retiring, RetirementReason.ScriptError)
            : host.Engine.LoadedModuleCount > setup.Settings.MaxModulesPerEngine ? (WorkerNext.Retiring, RetirementReason.ModuleLimit)
            : suspect ? (WorkerNext.Renewing, RetirementReason.Budget)
            : (WorkerNext.Idle, RetirementReason.Budget);
        host.MayStartHeld = next == WorkerNext.Idle;

        // Worker first: the supervisor may hand this worker its next task as soon as it reads TaskFinished,
        // and that task must queue behind EngineSettled in the worker's mailbox.
        self.Tell(new EngineSettled(command.TaskId, next, reason));
        supervisor.Tell(new TaskFinished(command.TaskId, reply, next), self);
        if (next == WorkerNext.Renewing)
        {
            ReplaceEngine(host, command.TaskId, self);
        }
    }

    /// <summary>Engine thread: replaces a cut-off or suspect engine and tells the worker how that went.</summary>
    private static void ReplaceEngine(EngineHost host, string taskId, IActorRef self)
    {
        Exception? failure = null;
        try
        {
            host.CreateEngine();
        }
#pragma warning disable CA1031 // Reported to the worker, which retires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        self.Tell(new EngineRecovered(taskId, failure));
    }
}

/// <summary>Thrown inside a worker when it is broken; its supervisor answers the task and replaces it.</summary>
internal sealed class WorkerCrashedException(string message, Exception? inner = null) : Exception(message, inner);
