using ActorPool.Engines;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Event;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Workers;

/// <summary>
/// Owns one engine on a dedicated engine thread and runs one job at a time for its supervisor: a task, or a run of
/// a batch's calls back to back (docs/architecture.md, "Batches").
/// </summary>
/// <remarks>
/// <para>Its lifecycle is a set of behaviors, each handling only the messages valid in it:
/// <c>Starting</c> → <c>Idle</c> ⇄ <c>Running(job)</c> → <c>Recovering(job)</c> → <c>Idle</c>, and
/// <c>Retiring</c> from any of them (budget spent, engine abandoned, engine replacement failed, a task sent
/// while not idle); a failed start ends in <c>StartFailed</c>, where it waits for the supervisor to stop it.</para>
/// <para><b>One owner per fact.</b> The worker alone decides a task's answer and alone talks to its engine thread:
/// it posts jobs to the thread, the thread reports back to it only (<see cref="EngineDone"/>,
/// <see cref="EngineRenewed"/>), and the worker tells the supervisor. A cut-off is the worker's decision too: it
/// answers, cancels the call's token (the one signal that crosses to the engine thread) and ignores the call's
/// late result.</para>
/// <para>While a job is in flight the run limit of the call that runs is the actor's <c>ReceiveTimeout</c> (set when
/// the job starts, re-armed for each later call from that call's start as recorded in the <see cref="EngineJob"/>,
/// cleared when the job ends; every message a running worker receives is an
/// <see cref="INotInfluenceReceiveTimeout"/>, so cancels, stats and engine reports never postpone it); on expiry (or
/// on a cancel of the running call) it withdraws the calls not started, cancels the engine, answers the job, and
/// waits for the engine thread to come back, retiring when it does not within the grace period.
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

    // A token source of a job that ended normally, reset for the next one (no allocation per job).
    private CancellationTokenSource? _spareCancellation;
    private string? _taskId;
    private int _tasksRun;

    // The job in flight while Running (fields rather than a closure per job: this is the tiny-task path).
    private EngineJob? _job;
    private DateTimeOffset _jobStartedAt;
    private bool _jobLast;
    private readonly UntypedReceive _running;

    public ScriptWorker(WorkerSetup setup, int budget, IActorRef supervisor)
    {
        _setup = setup;
        _budget = budget;
        _supervisor = supervisor;
        _running = Running;
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

    /// <summary>
    /// Starts a job: its calls count against the budget now (those that never start are given back when the job
    /// ends, see <see cref="Refund"/>), one closure crosses to the engine thread, and the run limit of the first
    /// call is armed.
    /// </summary>
    private void Run(StartTask start)
    {
        var job = new EngineJob(start.Calls);
        var before = _tasksRun;
        _tasksRun += job.Calls.Count;
        if (_setup.Observer is { } observer)
        {
            observer.JobStarted(Self.Path.Name, job.Id, job.Calls.Count);
            for (var i = 0; i < job.Calls.Count; i++)
            {
                observer.TaskStarted(Self.Path.Name, job.Calls[i].Command.TaskId, before + i + 1, _budget);
            }
        }

        var cancellation = _spareCancellation ?? new CancellationTokenSource();
        _spareCancellation = null;
        _inFlight = cancellation;
        _taskId = job.Id;
        var clock = Context.System.Scheduler;
        var startedAt = clock.Now;
        ArmRunLimit(LimitOf(job.Calls[0], startedAt));
        var self = Self;
        var setup = _setup;
        var token = cancellation.Token;
        _host!.Post(host =>
        {
            var done = RunOnEngine(host, job, setup, clock, token);
            if (!host.IsStopped)
            {
                self.Tell(done);
            }
        });
        _job = job;
        _jobStartedAt = startedAt;
        _jobLast = start.Last;
        Become(_running);
    }

    /// <summary>When <paramref name="call"/>, started at <paramref name="startedAt"/>, must be cut off: its run limit, or its caller's deadline if nearer.</summary>
    private static DateTimeOffset LimitOf(JobCall call, DateTimeOffset startedAt)
    {
        var limit = startedAt + (call.RunLimit > TimeSpan.Zero ? call.RunLimit : TimeSpan.FromMilliseconds(1));
        return call.DeadlineAt is { } deadline && deadline < limit ? deadline : limit;
    }

    /// <summary>
    /// Arms the run limit as this actor's <c>ReceiveTimeout</c>, to fire at <paramref name="at"/>. Every message a
    /// running worker receives is an <see cref="INotInfluenceReceiveTimeout"/>, so none of them postpones it.
    /// </summary>
    private static void ArmRunLimit(DateTimeOffset at)
    {
        var left = at - Context.System.Scheduler.Now;
        Context.SetReceiveTimeout(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Clears the run limit: no job is in flight.</summary>
    private static void DisarmRunLimit() => Context.SetReceiveTimeout(null);

    /// <summary>
    /// The <c>ReceiveTimeout</c> fired while a job runs. It is the in-flight limit of the call that runs now,
    /// measured from that call's start: past it, the call is cut off. Otherwise it was armed for an earlier call
    /// of the job, or is a stale one of the previous job (Akka may enqueue it after other messages), and it is
    /// re-armed for the running call (or, between two calls, for the next one as if it started now).
    /// </summary>
    /// <remarks>
    /// The first call's limit counts from the job's start on this worker (as a single task's always did), so a
    /// slow engine thread cannot stretch it; each later call's from the moment the engine thread started it.
    /// </remarks>
    private void OnRunLimit(EngineJob job, DateTimeOffset jobStartedAt)
    {
        var now = Context.System.Scheduler.Now;
        var running = job.RunningIndex();
        if (running >= 0)
        {
            var limitAt = LimitOf(job.Calls[running], running == 0 ? jobStartedAt : job.StartedAt(running));
            if (now >= limitAt)
            {
                CutOff(job, running, FailureKind.Timeout, $"the task ran longer than its in-flight timeout (actor-pool.in-flight-timeout = {_setup.Settings.InFlightTimeout}, or the caller's deadline)");
                return;
            }

            ArmRunLimit(limitAt);
            return;
        }

        // Nothing runs: the job has not begun, is between two calls, or is over (its report is on its way).
        var next = job.FirstPending();
        if (next == 0 && now >= LimitOf(job.Calls[0], jobStartedAt))
        {
            // The engine thread has not even begun the job within the first call's limit: that call is cut off.
            CutOff(job, 0, FailureKind.Timeout, $"the task ran longer than its in-flight timeout (actor-pool.in-flight-timeout = {_setup.Settings.InFlightTimeout}, or the caller's deadline)");
            return;
        }

        ArmRunLimit(next switch
        {
            0 => LimitOf(job.Calls[0], jobStartedAt),
            > 0 => LimitOf(job.Calls[next], now),
            _ => now + _setup.Settings.GracePeriod,
        });
    }

    private void Running(object message)
    {
        var job = _job!;
        switch (message)
        {
            case EngineDone done when done.Job == job:
                DisarmRunLimit();
                Finish(done, _jobLast);
                break;
            case ReceiveTimeout:
                OnRunLimit(job, _jobStartedAt);
                break;
            case CancelTask cancel when job.IndexOf(cancel.TaskId) is var index and >= 0:
                if (job.TryWithdraw(index, new ScriptFailed(cancel.TaskId, FailureKind.Cancelled, "the task was cancelled by its caller before it started", ScriptFailed.NeverStarted)))
                {
                    // Not started yet: the engine thread skips it; it is answered with the job.
                    break;
                }

                if (job.IsRunning(index))
                {
                    CutOff(job, index, FailureKind.Cancelled, "the task was cancelled by its caller");
                }

                // Otherwise it ended already: its answer stands.
                break;
            case CancelTask:
                break;
            case GetWorkerState:
                var onEngine = job.RunningIndex();
                Sender.Tell(new WorkerState("running", _taskId, _tasksRun) { OnEngine = onEngine >= 0 ? job.Calls[onEngine].Command.TaskId : null });
                break;
            default:
                Common(message, "running");
                break;
        }
    }

    /// <summary>
    /// The engine thread is done with the job: pass the answers on and say what comes next. <paramref name="last"/>:
    /// the supervisor handed the job as the last of the budget; it stays the last only if every call of it ran.
    /// </summary>
    private void Finish(EngineDone done, bool last)
    {
        var job = done.Job;
        _job = null;

        // Calls after one that stopped the job (a suspect engine, a script error with recycling, the module
        // limit, a crash) never started: they go back to the queue.
        job.WithdrawPending();
        if (done.Crash is { } crash)
        {
            _log.Error(crash, "The engine of {0} failed in a way no failure kind covers during task {1}; the worker retires", Self.Path.Name, job.Id);
            var crashed = job.Replies(i => new ScriptFailed(job.Calls[i].Command.TaskId, FailureKind.WorkerCrashed, $"the engine failed running the task ({crash.GetType().Name}: {crash.Message}); its worker was replaced"));
            Refund(crashed);
            _supervisor.Tell(new TaskFinished(job.Id, crashed, WorkerNext.Retiring, RetirementReason.Crashed));
            _inFlight = null;
            Retire(RetirementReason.Crashed);
            return;
        }

        var replies = job.Replies(null);
        last = Refund(replies) == 0 ? last || _tasksRun >= _budget : _tasksRun >= _budget;
        var scriptError = false;
        if (_setup.Settings.RecycleOnScriptError)
        {
            foreach (var reply in replies)
            {
                scriptError |= reply is ScriptFailed { Kind: FailureKind.ScriptError };
            }
        }

        var (next, reason) =
            last ? (WorkerNext.Retiring, RetirementReason.Budget)
            : scriptError ? (WorkerNext.Retiring, RetirementReason.ScriptError)
            : done.LoadedModules > _setup.Settings.MaxModulesPerEngine ? (WorkerNext.Retiring, RetirementReason.ModuleLimit)
            : done.Suspect ? (WorkerNext.Renewing, RetirementReason.Budget)
            : (WorkerNext.Idle, RetirementReason.Budget);
        _supervisor.Tell(new TaskFinished(job.Id, replies, next, reason));
        switch (next)
        {
            case WorkerNext.Idle:
                // The engine thread is done with the token: keep it for the next job.
                _spareCancellation = _inFlight!.TryReset() ? _inFlight : null;
                BecomeIdle();
                break;
            case WorkerNext.Renewing:
                // The engine thread is back: it replaces the engine, then the worker is available again.
                _inFlight = null;
                Renew(job.Id);
                break;
            default:
                _inFlight = null;
                Retire(reason);
                break;
        }
    }

    /// <summary>
    /// Cuts the engine off in call <paramref name="index"/> (timeout or cancel) and answers the job itself: calls that
    /// ended keep their answers, the call still running gets <paramref name="kind"/>, and calls that have not started
    /// never will (they go back to the queue).
    /// </summary>
    private void CutOff(EngineJob job, int index, FailureKind kind, string message)
    {
        DisarmRunLimit();
        var target = job.Calls[index].Command.TaskId;

        // The call itself first: if the engine thread had not started it yet, it never will (answered all the same).
        job.TryWithdraw(index, new ScriptFailed(target, kind, message));
        job.WithdrawPending();

        // The answers are taken before the engine is told to stop: once cancelled, the call ends on the engine
        // thread with the engine's own "cancelled" failure, which must not replace the reason it was cut off for.
        var replies = job.Replies(i => i == index
            ? new ScriptFailed(target, kind, message)
            : new ScriptFailed(job.Calls[i].Command.TaskId, kind, $"the engine was cut off (task '{target}': {message}) just as this call of the same job started"));
        _inFlight!.Cancel();

        Refund(replies);
        _job = null;

        // Grace timer first: whoever reads the answer may move the clock on at once.
        Timers.StartSingleTimer(GraceTimer, new GraceExpired(job.Id), _setup.Settings.GracePeriod);
        var id = job.Id;
        Become(m => Recovering(m, id, engineBack: false));
        _supervisor.Tell(new TaskFinished(job.Id, replies, WorkerNext.Recovering));
    }

    /// <summary>
    /// Gives back the budget of the job's calls that never ran (re-queued, or answered as never started): the budget
    /// counts calls that ran on this worker's engines. The supervisor gives back the same calls when it reads the
    /// job's <see cref="TaskFinished"/> (<c>PoolSupervisor.OnTaskFinished</c>), so both count alike. Returns how many.
    /// </summary>
    private int Refund(IReadOnlyList<IScriptReply?> replies)
    {
        var refunded = 0;
        foreach (var reply in replies)
        {
            refunded += NeverRan(reply) ? 1 : 0;
        }

        _tasksRun -= refunded;
        return refunded;
    }

    /// <summary>Whether a job's reply says its call never ran: null (it goes back to the queue) or answered as never started.</summary>
    internal static bool NeverRan(IScriptReply? reply) => reply is null or ScriptFailed { TaskNeverStarted: true };

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
            case EngineDone done when done.Job.Id == taskId && !engineBack:
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
        var replies = new IScriptReply?[start.Calls.Count];
        for (var i = 0; i < replies.Length; i++)
        {
            var id = start.Calls[i].Command.TaskId;
            replies[i] = new ScriptFailed(id, FailureKind.WorkerCrashed, $"the worker was {state}, not idle; the task never ran", ScriptFailed.NeverStarted);
        }

        _supervisor.Tell(new TaskFinished(start.Command.TaskId, replies, WorkerNext.Retiring, RetirementReason.Crashed));
    }

    /// <summary>
    /// Engine thread: runs the job's calls back to back and says how it went. Each call is claimed before it starts
    /// (one the worker withdrew is skipped); a call whose start-by instant passed (its queue age limit or caller's
    /// deadline, while the calls before it ran) is answered <c>QueueExpired</c> and never runs. The job stops after
    /// a call that leaves the engine unfit for the next one (suspect, a script error with recycling, past the module
    /// limit) or that failed outside the failure contract (a crash). Touches no actor state.
    /// </summary>
    private static EngineDone RunOnEngine(IEngineHost host, EngineJob job, WorkerSetup setup, IScheduler clock, CancellationToken cancellation)
    {
        var settings = setup.Settings;
        var suspect = false;
        for (var i = 0; i < job.Calls.Count; i++)
        {
            var call = job.Calls[i];
            var command = call.Command;
            var now = clock.Now;
            if (!job.TryBegin(i, now))
            {
                continue;
            }

            if (call.StartBy is { } startBy && now >= startBy)
            {
                job.End(i, new ScriptFailed(command.TaskId, FailureKind.QueueExpired, "the task's max-task-age or its caller's deadline passed while the calls before it in its batch ran; it never ran", ScriptFailed.NeverStarted));
                continue;
            }

            setup.Observer?.CallStarting(command.TaskId);
            var stop = false;
            try
            {
                var json = host.Engine.Call(command.Module, command.Function, command.ArgsJson, cancellation);
                job.End(i, new ScriptSucceeded(command.TaskId, json));
            }
#pragma warning disable CA1031 // Every exception is either a task failure or a worker crash; none may end the thread.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (EngineFailures.Map(ex, setup.LimitsText) is not { } failure)
                {
                    // The call stays "running": the worker answers it as crashed.
                    return new EngineDone(job, true, 0, ex);
                }

                job.End(i, new ScriptFailed(command.TaskId, failure.Kind, failure.Message, failure.Details, failure.Limit));
                suspect = failure.EngineSuspect;
                stop = suspect || (failure.Kind == FailureKind.ScriptError && settings.RecycleOnScriptError);
            }

            if (stop || host.Engine.LoadedModuleCount > settings.MaxModulesPerEngine)
            {
                break;
            }
        }

        return new EngineDone(job, suspect, host.Engine.LoadedModuleCount, null);
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
