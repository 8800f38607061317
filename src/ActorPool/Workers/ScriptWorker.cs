using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Telemetry;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Workers;

/// <summary>
/// Owns one Jint engine on a dedicated engine thread and runs one task at a time for its supervisor.
/// While a task is in flight its <c>ReceiveTimeout</c> is the in-flight timeout; on expiry (or on cancel) it
/// cancels the engine, answers, and gets a fresh engine, or retires when the engine thread does not come back
/// within the grace period. It retires itself after its budget.
/// </summary>
internal sealed class ScriptWorker : UntypedActor, IWithTimers
{
    private readonly WorkerSetup _setup;
    private readonly int _budget;
    private readonly IActorRef _supervisor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private EngineHost? _host;
    private TaskTicket? _ticket;
    private string _state = "starting";
    private int _tasksRun;

    public ScriptWorker(WorkerSetup setup, int budget)
    {
        _setup = setup;
        _budget = budget;
        _supervisor = Context.Parent;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(WorkerSetup setup, int budget) =>
        Akka.Actor.Props.Create(() => new ScriptWorker(setup, budget)).WithDeploy(Deploy.Local);

    protected override void PreStart()
    {
        var self = Self;
        var settings = _setup.Settings;
        _host = new EngineHost(
            $"actorpool-engine-{Self.Path.Name}",
            settings.Engine.ThreadStackSize,
            _setup.CreateEngine,
            ex => self.Tell(new EngineCrashed(_ticket?.TaskId ?? string.Empty, ex)));
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
        if (_ticket is { } ticket)
        {
            ticket.TrySettle();
            ticket.Cancellation.Cancel();
        }

        _host?.Stop();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartTask start:
                OnStartTask(start);
                break;
            case EngineSettled settled:
                OnEngineSettled(settled);
                break;
            case ReceiveTimeout:
                CutOff(FailureKind.Timeout, $"the task ran longer than its in-flight timeout (actor-pool.in-flight-timeout = {_setup.Settings.InFlightTimeout}, or the caller's deadline)");
                break;
            case CancelTask cancel when _ticket?.TaskId == cancel.TaskId:
                CutOff(FailureKind.Cancelled, "the task was cancelled by its caller");
                break;
            case CancelTask:
                break;
            case EngineRecovered recovered:
                OnEngineRecovered(recovered);
                break;
            case GraceExpired expired when _ticket?.TaskId == expired.TaskId || _state == "recovering":
                _log.Warning("Engine thread of {0} did not come back within {1} after task {2}; abandoning it", Self.Path.Name, _setup.Settings.GracePeriod, expired.TaskId);
                _setup.Metrics.EngineAbandoned();
                Retire(RetirementReason.EngineAbandoned);
                break;
            case GraceExpired:
                break;
            case EngineStarted started:
                OnEngineStarted(started);
                break;
            case EngineCrashed crashed:
                throw new WorkerCrashedException($"engine thread failed during task '{crashed.TaskId}'", crashed.Failure);
            case GetWorkerState:
                Sender.Tell(new WorkerState(_state, _ticket?.TaskId, _tasksRun));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnEngineStarted(EngineStarted started)
    {
        if (started.Failure is { } failure)
        {
            _log.Warning("Worker {0} failed to start its engine: {1}", Self.Path.Name, failure.Message);
            // The supervisor counts the failure and stops this worker (so it reads the reason first).
            _supervisor.Tell(new WorkerStartFailed(failure.Message));
            _state = "start-failed";
            return;
        }

        _state = "idle";
        _supervisor.Tell(new WorkerReady());
    }

    private void OnStartTask(StartTask start)
    {
        var command = start.Command;
        if (_ticket is not null || _state != "idle")
        {
            // The supervisor never does this; answer rather than lose the task.
            _supervisor.Tell(new TaskFinished(command.TaskId, new ScriptFailed(command.TaskId, FailureKind.WorkerCrashed, $"worker was {_state}, not idle"), WorkerNext.Retiring));
            Retire(RetirementReason.Crashed);
            return;
        }

        var hooks = _setup.Hooks;
        if (hooks?.CrashOnTask?.Invoke(command.TaskId) == true)
        {
            throw new WorkerCrashedException($"test hook: crash on task '{command.TaskId}'");
        }

        _tasksRun++;
        hooks?.TaskStarted?.Invoke(Self.Path.Name, command.TaskId, _tasksRun, _budget);
        var ticket = new TaskTicket(command.TaskId);
        _ticket = ticket;
        _state = "running";
        if (hooks?.SilenceOnTask?.Invoke(command.TaskId) == true)
        {
            return;
        }

        Context.SetReceiveTimeout(start.RunLimit);
        var last = start.Last || _tasksRun >= _budget;
        var self = Self;
        var supervisor = _supervisor;
        var setup = _setup;
        _host!.Post(host => RunOnEngine(host, ticket, command, last, self, supervisor, setup));
    }

    /// <summary>Runs on the engine thread. Touches no actor state: it reports with messages only.</summary>
    private static void RunOnEngine(EngineHost host, TaskTicket ticket, RunScript command, bool last, IActorRef self, IActorRef supervisor, WorkerSetup setup)
    {
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
                if (ticket.TrySettle())
                {
                    self.Tell(new EngineCrashed(command.TaskId, ex));
                }

                return;
            }

            reply = new ScriptFailed(command.TaskId, failure.Kind, failure.Message, failure.Details, failure.Limit);
            suspect = failure.EngineSuspect;
        }

        if (!ticket.TrySettle())
        {
            // The worker answered first (timeout or cancel): give it a fresh engine and report back.
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
            : suspect ? (WorkerNext.Recovering, RetirementReason.Budget)
            : (WorkerNext.Idle, RetirementReason.Budget);

        // Worker first: the supervisor may hand this worker its next task as soon as it reads TaskFinished,
        // and that task must queue behind EngineSettled in the worker's mailbox.
        self.Tell(new EngineSettled(command.TaskId, next, reason));
        if (setup.Hooks?.SilenceOnTask?.Invoke(command.TaskId) != true)
        {
            supervisor.Tell(new TaskFinished(command.TaskId, reply, next), self);
        }

        if (setup.Hooks?.StrayAfterTask?.Invoke(command.TaskId) == true)
        {
            var stray = "stray-" + command.TaskId;
            supervisor.Tell(new TaskFinished(stray, new ScriptSucceeded(stray, "null"), WorkerNext.Idle), self);
        }

        if (next == WorkerNext.Recovering)
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

    private void OnEngineSettled(EngineSettled settled)
    {
        if (_ticket?.TaskId != settled.TaskId)
        {
            return;
        }

        Context.SetReceiveTimeout(null);
        switch (settled.Next)
        {
            case WorkerNext.Idle:
                _ticket = null;
                _state = "idle";
                break;
            case WorkerNext.Recovering:
                _state = "recovering";
                Timers.StartSingleTimer("grace", new GraceExpired(settled.TaskId), _setup.Settings.GracePeriod);
                break;
            case WorkerNext.Retiring:
                _ticket = null;
                Retire(settled.Reason);
                break;
        }
    }

    private void CutOff(FailureKind kind, string message)
    {
        Context.SetReceiveTimeout(null);
        if (_ticket is not { } ticket || _state != "running" || !ticket.TrySettle())
        {
            // The engine thread settled first; its EngineSettled is on its way.
            return;
        }

        ticket.Cancellation.Cancel();
        _state = "recovering";
        _supervisor.Tell(new TaskFinished(ticket.TaskId, new ScriptFailed(ticket.TaskId, kind, message), WorkerNext.Recovering));
        Timers.StartSingleTimer("grace", new GraceExpired(ticket.TaskId), _setup.Settings.GracePeriod);
    }

    private void OnEngineRecovered(EngineRecovered recovered)
    {
        if (_state != "recovering" || _ticket?.TaskId != recovered.TaskId)
        {
            return;
        }

        Timers.Cancel("grace");
        _ticket = null;
        if (recovered.Failure is not null)
        {
            _log.Warning("Worker {0} could not replace its engine: {1}", Self.Path.Name, recovered.Failure.Message);
            Retire(RetirementReason.StartFailed);
            return;
        }

        if (_tasksRun >= _budget)
        {
            Retire(RetirementReason.Budget);
            return;
        }

        _state = "idle";
        _supervisor.Tell(new WorkerAvailable());
    }

    private void Retire(RetirementReason reason)
    {
        if (_state == "retiring")
        {
            return;
        }

        _state = "retiring";
        _supervisor.Tell(new WorkerRetiring(reason));
        Context.Stop(Self);
    }
}

/// <summary>Thrown inside a worker when it is broken; its supervisor answers the task and replaces it.</summary>
internal sealed class WorkerCrashedException(string message, Exception? inner = null) : Exception(message, inner);
