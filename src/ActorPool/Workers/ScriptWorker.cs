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
/// <para>Its lifecycle is a set of behaviors, each handling only the messages valid in it:
/// <c>Starting</c> → <c>Idle</c> ⇄ <c>Running(task)</c> → <c>Recovering(task)</c> → <c>Idle</c>, and
/// <c>Retiring</c> from any of them (budget spent, engine abandoned, engine replacement failed, a task sent
/// while not idle); a failed start ends in <c>StartFailed</c>, where it waits for the supervisor to stop it.</para>
/// <para><b>One owner per fact.</b> The worker alone decides a task's answer and alone talks to its engine thread:
/// it posts jobs to the thread, the thread reports back to it only (<see cref="EngineDone"/>,
/// <see cref="EngineRenewed"/>), and the worker tells the supervisor. A cut-off is the worker's decision too: it
/// answers, cancels the call's token (the one signal that crosses to the engine thread) and ignores the call's
/// late result.</para>
/// <para>While a task is in flight its run limit is the actor's <c>ReceiveTimeout</c> (set when the task starts,
/// cleared when it ends; every message a running worker receives is an <see cref="INotInfluenceReceiveTimeout"/>,
/// so cancels, stats and engine reports never postpone it); on expiry (or on cancel) it cancels the engine,
/// answers, and waits for the engine thread to come back, retiring when it does not within the grace period.
/// See docs/architecture.md.</para>
/// </remarks>
internal sealed class ScriptWorker : UntypedActor, IWithTimers
{
    private const string GraceTimer = "grace";
    private readonly WorkerSetup _setup;
    private readonly int _budget;
    private readonly IActorRef _supervisor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IEngineHost? _host;
    private CancellationTokenSource? _inFlight;
    private string? _taskId;
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
        _host = _setup.CreateHost($"actorpool-engine-{Self.Path.Name}", settings.Engine.ThreadStackSize, ex => self.Tell(new EngineCrashed(ex)));
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
        // The engine thread may still be running a script: cut it off and let the thread end.
        _inFlight?.Cancel();
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

    private void BecomeIdle()
    {
        _inFlight = null;
        _taskId = null;
        Become(Idle);
    }

    private void Idle(object message)
    {
        switch (message)
        {
            case StartTask start:
                Run(start);
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
        _tasksRun++;
        _setup.Observer?.TaskStarted(Self.Path.Name, start.Command.TaskId, _tasksRun, _budget);
        var last = start.Last || _tasksRun >= _budget;
        var cancellation = new CancellationTokenSource();
        _inFlight = cancellation;
        _taskId = start.Command.TaskId;
        ArmRunLimit(start.RunLimit);
        var self = Self;
        var setup = _setup;
        var command = start.Command;
        var token = cancellation.Token;
        _host!.Post(host =>
        {
            var done = RunOnEngine(host, command, setup, token);
            if (!host.IsStopped)
            {
                self.Tell(done);
            }
        });
        Become(message => Running(message, command.TaskId, last));
    }

    /// <summary>
    /// Arms the run limit as this actor's <c>ReceiveTimeout</c>. Every message a running worker receives is an
    /// <see cref="INotInfluenceReceiveTimeout"/>, so none of them postpones it.
    /// </summary>
    private void ArmRunLimit(TimeSpan runLimit)
    {
        runLimit = runLimit > TimeSpan.Zero ? runLimit : TimeSpan.FromMilliseconds(1);
        _runLimitAt = Context.System.Scheduler.Now + runLimit;
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

    private void Running(object message, string taskId, bool last)
    {
        switch (message)
        {
            case EngineDone done when done.TaskId == taskId:
                DisarmRunLimit();
                Finish(done, last);
                break;
            case ReceiveTimeout when RunLimitReached():
                CutOff(taskId, FailureKind.Timeout, $"the task ran longer than its in-flight timeout (actor-pool.in-flight-timeout = {_setup.Settings.InFlightTimeout}, or the caller's deadline)");
                break;
            case CancelTask cancel when cancel.TaskId == taskId:
                CutOff(taskId, FailureKind.Cancelled, "the task was cancelled by its caller");
                break;
            case CancelTask:
                break;
            default:
                Common(message, "running");
                break;
        }
    }

    /// <summary>The engine thread answered the running task: pass the answer on and say what comes next.</summary>
    private void Finish(EngineDone done, bool last)
    {
        if (done.Reply is not { } reply)
        {
            throw new WorkerCrashedException($"engine thread failed while running task '{done.TaskId}'", done.Crash);
        }

        var (next, reason) =
            last ? (WorkerNext.Retiring, RetirementReason.Budget)
            : reply is ScriptFailed { Kind: FailureKind.ScriptError } && _setup.Settings.RecycleOnScriptError ? (WorkerNext.Retiring, RetirementReason.ScriptError)
            : done.LoadedModules > _setup.Settings.MaxModulesPerEngine ? (WorkerNext.Retiring, RetirementReason.ModuleLimit)
            : done.Suspect ? (WorkerNext.Renewing, RetirementReason.Budget)
            : (WorkerNext.Idle, RetirementReason.Budget);
        _supervisor.Tell(new TaskFinished(done.TaskId, reply, next, reason));
        switch (next)
        {
            case WorkerNext.Idle:
                BecomeIdle();
                break;
            case WorkerNext.Renewing:
                // The engine thread is back: it replaces the engine, then the worker is available again.
                _inFlight = null;
                Renew(done.TaskId);
                break;
            default:
                _inFlight = null;
                Retire(reason);
                break;
        }
    }

    /// <summary>Answers the task in flight itself and cuts the engine off (timeout or cancel).</summary>
    private void CutOff(string taskId, FailureKind kind, string message)
    {
        DisarmRunLimit();
        _inFlight!.Cancel();
        // Grace timer first: whoever reads the answer may move the clock on at once.
        Timers.StartSingleTimer(GraceTimer, new GraceExpired(taskId), _setup.Settings.GracePeriod);
        Become(m => Recovering(m, taskId, engineBack: false));
        _supervisor.Tell(new TaskFinished(taskId, new ScriptFailed(taskId, kind, message), WorkerNext.Recovering));
    }

    /// <summary>Posts the replacement of the engine (its thread is back) and waits for it.</summary>
    private void Renew(string taskId)
    {
        var self = Self;
        _host!.Post(host => self.Tell(new EngineRenewed(taskId, ReplaceEngine(host))));
        Timers.StartSingleTimer(GraceTimer, new GraceExpired(taskId), _setup.Settings.GracePeriod);
        Become(m => Recovering(m, taskId, engineBack: true));
    }

    /// <summary>
    /// Out of service after task <paramref name="taskId"/>: waiting for the engine thread to come back from a
    /// cut-off call (<paramref name="engineBack"/> false), then for the fresh engine.
    /// </summary>
    private void Recovering(object message, string taskId, bool engineBack)
    {
        switch (message)
        {
            case EngineDone done when done.TaskId == taskId && !engineBack:
                // Back from the cut-off call; its answer was given already. The call stopped mid-way: renew.
                _inFlight = null;
                if (done.Crash is not null || _tasksRun >= _budget)
                {
                    Timers.Cancel(GraceTimer);
                    Retire(done.Crash is not null ? RetirementReason.Crashed : RetirementReason.Budget);
                }
                else
                {
                    Renew(taskId);
                }

                break;
            case EngineRenewed renewed when renewed.TaskId == taskId && engineBack:
                Timers.Cancel(GraceTimer);
                if (renewed.Failure is not null)
                {
                    _log.Warning("Worker {0} could not replace its engine: {1}", Self.Path.Name, renewed.Failure.Message);
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
            case GraceExpired expired when expired.TaskId == taskId:
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
            case StartTask start:
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
                Sender.Tell(new WorkerState(state, _taskId, _tasksRun));
                break;
            case StartTask start:
                // The supervisor never does this; answer rather than lose the task, and leave.
                RejectTask(start, state);
                Retire(RetirementReason.Crashed);
                break;
            case EngineCrashed crashed:
                throw new WorkerCrashedException($"engine thread failed while the worker was {state} (task '{_taskId ?? "none"}')", crashed.Failure);
            case CancelTask or ReceiveTimeout or GraceExpired or EngineDone or EngineRenewed:
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
        _supervisor.Tell(new TaskFinished(id, new ScriptFailed(id, FailureKind.WorkerCrashed, $"the worker was {state}, not idle; the task never ran", ScriptFailed.NeverStarted), WorkerNext.Retiring, RetirementReason.Crashed));
    }

    /// <summary>Runs one call on the engine thread and says how it went. Touches no actor state.</summary>
    private static EngineDone RunOnEngine(IEngineHost host, RunScript command, WorkerSetup setup, CancellationToken cancellation)
    {
        try
        {
            setup.Observer?.CallStarting(command.TaskId);
            var json = host.Engine.Call(command.Module, command.Function, command.ArgsJson, cancellation);
            return new EngineDone(command.TaskId, new ScriptSucceeded(command.TaskId, json), false, host.Engine.LoadedModuleCount, null);
        }
#pragma warning disable CA1031 // Every exception is either a task failure or a worker crash; none may end the thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (EngineFailures.Map(ex, setup.LimitsText) is not { } failure)
            {
                return new EngineDone(command.TaskId, null, true, 0, ex);
            }

            var reply = new ScriptFailed(command.TaskId, failure.Kind, failure.Message, failure.Details, failure.Limit);
            return new EngineDone(command.TaskId, reply, failure.EngineSuspect, host.Engine.LoadedModuleCount, null);
        }
    }

    /// <summary>Engine thread: replaces a cut-off or suspect engine; null when that worked.</summary>
    private static Exception? ReplaceEngine(IEngineHost host)
    {
        try
        {
            host.CreateEngine();
            return null;
        }
#pragma warning disable CA1031 // Reported to the worker, which retires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }
}

/// <summary>Thrown inside a worker when it is broken; its supervisor answers the task and replaces it.</summary>
internal sealed class WorkerCrashedException(string message, Exception? inner = null) : Exception(message, inner);
