using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Pool;
using ActorPool.Protocol;
using ActorPool.Serialization;
using ActorPool.Telemetry;
using ActorPool.Workers;
using Akka.Actor;

namespace ActorPool;

/// <summary>
/// The .NET facade of a pool, usable without dependency injection: <see cref="Start(ActorSystem, IModuleSource, PoolSettings?, string, PoolMetrics?)"/> a pool on an
/// <see cref="ActorSystem"/> (or <see cref="Attach"/> to a supervisor elsewhere) and call
/// <see cref="RunAsync(string, string, string, TimeSpan?, CancellationToken)"/>.
/// </summary>
public sealed class ScriptPool : IScriptPool, IAsyncDisposable
{
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(10);

    private const string SupervisorGoneMessage = "the pool's supervisor stopped (or its node was lost) before answering; start or attach to a running pool";

    private readonly ActorSystem _system;
    private readonly ReplySink _sink;
    private readonly IActorRef _watcher;
    private readonly string _idPrefix;
    private readonly TimeSpan _drainWait;
    private readonly bool _owned;
    private readonly bool _remote;
    private readonly long _maxPayload;
    private long _nextId;
    private int _disposed;

    private ScriptPool(ActorSystem system, IActorRef supervisor, TimeSpan drainWait, bool owned, PoolMetrics? metrics, long maxPayload)
    {
        _system = system;
        Supervisor = supervisor;
        _remote = !supervisor.Path.Address.HasLocalScope;
        _maxPayload = maxPayload;
        _drainWait = drainWait;
        _owned = owned;
        Metrics = metrics;
        var extended = (ExtendedActorSystem)system;
        var provider = extended.Provider;
        _sink = new ReplySink(provider, provider.TempPath());
        provider.RegisterTempActor(_sink, _sink.Path);
        _idPrefix = Guid.NewGuid().ToString("N")[..8] + "-";
        var sink = _sink;
        _watcher = system.ActorOf(Props.Create(() => new PoolWatcher(supervisor, sink)).WithDeploy(Deploy.Local));
    }

    /// <inheritdoc />
    public IActorRef Supervisor { get; }

    /// <summary>The pool's metrics (null for a pool this facade attached to).</summary>
    public PoolMetrics? Metrics { get; }

    /// <summary>
    /// Starts a pool as a top-level actor named <paramref name="name"/> and returns its facade. The pool drains
    /// when the actor system runs its CoordinatedShutdown (phase <c>service-requests-done</c>) or when the
    /// facade is disposed.
    /// </summary>
    /// <param name="system">The actor system to run the pool in.</param>
    /// <param name="modules">Where the pool finds modules.</param>
    /// <param name="settings">Settings; null reads the <c>actor-pool</c> section of the system's configuration.</param>
    /// <param name="name">The supervisor's actor name, unique in the system.</param>
    /// <param name="metrics">Instruments to use; null creates them on a standalone <c>ActorPool</c> meter.</param>
    /// <exception cref="PoolConfigurationException">The settings are invalid.</exception>
    public static ScriptPool Start(ActorSystem system, IModuleSource modules, PoolSettings? settings = null, string name = "script-pool", PoolMetrics? metrics = null) =>
        Start(system, modules, settings, name, metrics, observer: null, seed: null);

    /// <summary>
    /// Starts a pool whose workers run engines made by <paramref name="engines"/> (an engine of your own behind
    /// the <see cref="IScriptEngine"/> seam), ignoring <c>actor-pool.engine.kind</c>; otherwise as
    /// <see cref="Start(ActorSystem, IModuleSource, PoolSettings?, string, PoolMetrics?)"/>.
    /// </summary>
    /// <param name="system">The actor system to run the pool in.</param>
    /// <param name="modules">Where the pool finds modules.</param>
    /// <param name="engines">Makes each worker's engine; its <see cref="IScriptEngineFactory.Kind"/> is shown in the pool stats.</param>
    /// <param name="settings">Settings; null reads the <c>actor-pool</c> section of the system's configuration.</param>
    /// <param name="name">The supervisor's actor name, unique in the system.</param>
    /// <param name="metrics">Instruments to use; null creates them on a standalone <c>ActorPool</c> meter.</param>
    /// <exception cref="PoolConfigurationException">The settings are invalid.</exception>
    public static ScriptPool Start(ActorSystem system, IModuleSource modules, IScriptEngineFactory engines, PoolSettings? settings = null, string name = "script-pool", PoolMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        return Start(system, modules, settings, name, metrics, observer: null, seed: null, engines);
    }

    /// <summary>
    /// Returns a facade for a pool supervisor that runs elsewhere (another node, or started by hosting code).
    /// Disposing it does not drain the pool. Calls to a supervisor on another node have the same semantics as
    /// local ones; a request whose serialized size is over <c>actor-pool.remote.max-payload</c> (read from
    /// <paramref name="system"/>'s configuration) fails with <see cref="FailureKind.InvalidRequest"/> without being sent,
    /// and every pending call fails with <see cref="FailureKind.WorkerCrashed"/> as soon as the supervisor or its node
    /// is known to be gone.
    /// </summary>
    /// <param name="system">The local actor system the facade's calls are sent from.</param>
    /// <param name="supervisor">The pool's supervisor, e.g. resolved with an <see cref="ActorSelection"/>.</param>
    /// <exception cref="Configuration.PoolConfigurationException">
    /// <paramref name="system"/> has remoting on but lacks <see cref="Configuration.ActorPoolConfig.Default"/>'s serializer binding.
    /// </exception>
    public static ScriptPool Attach(ActorSystem system, IActorRef supervisor)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(supervisor);
        var maxPayload = PoolSettings.ReadMaxRemotePayload(system.Settings.Config);
        ActorPoolConfig.EnsureWireReady(system, maxPayload);
        return new ScriptPool(system, supervisor, TimeSpan.Zero, owned: false, metrics: null, maxPayload);
    }

    internal static ScriptPool Start(ActorSystem system, IModuleSource modules, PoolSettings? settings, string name, PoolMetrics? metrics, Telemetry.IPoolObserver? observer, int? seed, IScriptEngineFactory? engineFactory = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        settings = (settings ?? PoolSettings.Create(system.Settings.Config)).Validate();
        ActorPoolConfig.EnsureWireReady(system, settings.MaxRemotePayload);
        metrics ??= new PoolMetrics(name);
        var catalog = new ModuleCatalog(modules);
        var engines = engineFactory ?? ScriptEngineKinds.Resolve(settings.EngineKind, system.Log);
        // The effective limits (regex timeout at most half the in-flight timeout), as the failure messages say.
        var limits = settings.EffectiveEngine;
        var setup = new WorkerSetup(settings, catalog, metrics, observer)
        {
            EngineFactory = () => engines.Create(limits, catalog),
            EngineKind = engines.Kind,
        };
        // The supervisor and its workers share the pool dispatcher, so the hops between them wake no thread.
        var dispatcher = Dispatch.PoolDispatcher.EnsureRegistered(system);
        var supervisor = system.ActorOf(
            PoolSupervisor.Props(settings, setup, seed, (worker, budget, parent) => ScriptWorker.Props(worker, budget, parent).WithDispatcher(dispatcher)).WithDispatcher(dispatcher),
            name);
        var pool = new ScriptPool(system, supervisor, settings.DrainTimeout + settings.GracePeriod, owned: true, metrics, settings.MaxRemotePayload);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "actorpool-drain-" + name, async () =>
        {
            if (Volatile.Read(ref pool._disposed) == 0)
            {
                await pool.DrainAsync().ConfigureAwait(false);
            }

            return Akka.Done.Instance;
        });
        return pool;
    }

    /// <inheritdoc />
    public Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(moduleName);
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(argsJson);
        var taskId = TaskId(Interlocked.Increment(ref _nextId));
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromException<ScriptResult>(new ScriptCancelledException(new ScriptFailed(taskId, FailureKind.Cancelled, "the call was cancelled before it was sent")));
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return Task.FromException<ScriptResult>(new PoolRejectedException(new ScriptFailed(taskId, FailureKind.ShuttingDown, "the pool facade was disposed")));
        }

        // The trace context travels inside the command, so the pool's task span (on this node or another) is a
        // child of this call's span, or of the caller's own activity when nobody listens to ActorPool's source.
        var activity = StartRunActivity(taskId, moduleName, functionName);
        var context = activity ?? Activity.Current;
        var run = new RunScript(taskId, moduleName, functionName, argsJson, deadline)
        {
            TraceParent = context is { IdFormat: ActivityIdFormat.W3C } ? context.Id : null,
            TraceState = context is { IdFormat: ActivityIdFormat.W3C } ? context.TraceStateString : null,
        };
        if (_remote && PayloadLimit.Oversize(run, _maxPayload) is { } size)
        {
            return Task.FromException<ScriptResult>(Failed(activity, new ScriptRequestException(PayloadLimit.RequestTooLarge(taskId, size, _maxPayload))));
        }

        if (activity is null && !cancellationToken.CanBeCanceled)
        {
            // The common case: nothing to end or cancel, so the sink completes the caller's task itself.
            var result = _sink.RegisterResult(taskId);
            if (_sink.SupervisorGone)
            {
                _sink.Forget(taskId);
                return Task.FromException<ScriptResult>(ScriptPoolException.From(new ScriptFailed(taskId, FailureKind.WorkerCrashed, SupervisorGoneMessage)));
            }

            Supervisor.Tell(run, _sink);
            return result.Task;
        }

        var completion = _sink.Register(taskId);
        // Checked after registering: the watcher sets the flag before failing what is registered, so a call
        // either sees the flag or is failed by the watcher, and never waits on a supervisor that is gone.
        if (_sink.SupervisorGone)
        {
            _sink.Forget(taskId);
            return Task.FromException<ScriptResult>(Failed(activity, ScriptPoolException.From(new ScriptFailed(taskId, FailureKind.WorkerCrashed, SupervisorGoneMessage))));
        }

        Supervisor.Tell(run, _sink);
        return cancellationToken.CanBeCanceled
            ? AwaitCancellable(completion.Task, taskId, activity, cancellationToken)
            : completion.Task.ContinueWith(
                static (t, state) => Unwrap(t.Result, (Activity?)state),
                activity,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    /// <summary>This facade's task id number <paramref name="number"/>: its prefix and the number, one string allocated.</summary>
    private string TaskId(long number)
    {
        Span<char> digits = stackalloc char[20];
        number.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        return string.Concat(_idPrefix.AsSpan(), digits[..written]);
    }

    /// <summary>Starts the call's client span when someone listens, leaving the caller's current activity as it was.</summary>
    private static Activity? StartRunActivity(string taskId, string moduleName, string functionName)
    {
        var source = PoolTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        // RunAsync is not async: a Current set here would stay set in the caller's context after it returns.
        var previous = Activity.Current;
        var activity = source.StartActivity(PoolTelemetry.RunSpanName, ActivityKind.Client);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(PoolTelemetry.TaskIdAttribute, taskId);
            activity.SetTag(PoolTelemetry.ModuleAttribute, moduleName);
            activity.SetTag(PoolTelemetry.FunctionAttribute, functionName);
        }

        return activity;
    }

    private static ScriptPoolException Failed(Activity? activity, ScriptPoolException exception)
    {
        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                TaskTracing.Outcome(activity, new ScriptFailed(exception.TaskId, exception.Kind, exception.Message));
            }

            TaskTracing.Stop(activity);
        }

        return exception;
    }

    /// <inheritdoc />
    public Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        return RunAsync(moduleName, functionName, JsonSerializer.Serialize(args), deadline, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ScriptOutcome>> RunBatchAsync(IReadOnlyList<ScriptCall> calls, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var first = Interlocked.Add(ref _nextId, calls.Count + 1) - calls.Count;
        var batchId = _idPrefix + "b" + (first - 1).ToString(CultureInfo.InvariantCulture);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromException<IReadOnlyList<ScriptOutcome>>(new ScriptCancelledException(new ScriptFailed(batchId, FailureKind.Cancelled, "the batch was cancelled before it was sent")));
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return Task.FromException<IReadOnlyList<ScriptOutcome>>(new PoolRejectedException(new ScriptFailed(batchId, FailureKind.ShuttingDown, "the pool facade was disposed")));
        }

        var runs = new RunScript[calls.Count];
        for (var i = 0; i < runs.Length; i++)
        {
            var call = calls[i] ?? throw new ArgumentException($"call {i} of the batch is null", nameof(calls));
            runs[i] = new RunScript(TaskId(first + i), call.Module, call.Function, call.ArgsJson, deadline);
        }

        var batch = new RunScriptBatch(batchId, runs);
        if (_remote && PayloadLimit.Oversize(batch, _maxPayload) is { } size)
        {
            return Task.FromException<IReadOnlyList<ScriptOutcome>>(new ScriptRequestException(PayloadLimit.RequestTooLarge(batchId, size, _maxPayload)));
        }

        var completion = _sink.Register(batchId);
        if (_sink.SupervisorGone)
        {
            _sink.Forget(batchId);
            return Task.FromException<IReadOnlyList<ScriptOutcome>>(ScriptPoolException.From(new ScriptFailed(batchId, FailureKind.WorkerCrashed, SupervisorGoneMessage)));
        }

        Supervisor.Tell(batch, _sink);
        return AwaitBatch(completion.Task, runs, cancellationToken);
    }

    private async Task<IReadOnlyList<ScriptOutcome>> AwaitBatch(Task<IScriptReply> reply, RunScript[] runs, CancellationToken cancellationToken)
    {
        var supervisor = Supervisor;
        IScriptReply answer;
        using (cancellationToken.UnsafeRegister(
            static state =>
            {
                var (target, calls) = ((IActorRef, RunScript[]))state!;
                foreach (var call in calls)
                {
                    target.Tell(new CancelScript(call.TaskId));
                }
            },
            (supervisor, runs)))
        {
            answer = await reply.ConfigureAwait(false);
        }

        return answer switch
        {
            ScriptBatchCompleted completed => Outcomes(completed.Replies),
            ScriptFailed failed => throw ScriptPoolException.From(failed),
            _ => throw new ScriptPoolException($"unexpected reply {answer.GetType().Name}"),
        };
    }

    /// <summary>One outcome per reply of a batch, in call order (a loop: this runs once per call of every batch).</summary>
    private static ScriptOutcome[] Outcomes(IReadOnlyList<IScriptReply> replies)
    {
        var outcomes = new ScriptOutcome[replies.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = replies[i] switch
            {
                ScriptSucceeded ok => new ScriptOutcome(new ScriptResult(ok.TaskId, ok.ResultJson), null),
                ScriptFailed failed => new ScriptOutcome(null, ScriptPoolException.From(failed)),
                var other => new ScriptOutcome(null, new ScriptPoolException($"unexpected reply {other.GetType().Name}")),
            };
        }

        return outcomes;
    }

    /// <inheritdoc />
    public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        // A supervisor known to be gone would leave the Ask waiting its whole timeout; answer at once instead.
        return _sink.SupervisorGone
            ? Task.FromException<PoolStats>(StatsUnavailable())
            : AskStatsAsync(cancellationToken);
    }

    private async Task<PoolStats> AskStatsAsync(CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ask = Supervisor.Ask<PoolStats>(GetPoolStats.Instance, StatsTimeout, abandon.Token);

        // The supervisor may stop after the question was sent; the watcher then ends the wait too.
        if (await Task.WhenAny(ask, _sink.Gone).ConfigureAwait(false) == ask)
        {
            return await ask.ConfigureAwait(false);
        }

        await abandon.CancelAsync().ConfigureAwait(false);
        await ask.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        throw StatsUnavailable();
    }

    private static ScriptPoolException StatsUnavailable() =>
        new(FailureKind.WorkerCrashed, string.Empty, "cannot read the pool's stats: " + SupervisorGoneMessage);

    /// <summary>
    /// Drains the pool: queued tasks are answered <see cref="FailureKind.ShuttingDown"/>, tasks in flight get up
    /// to <c>drain-timeout</c> to finish. Completes when nothing is in flight.
    /// </summary>
    public async Task<PoolDrained> DrainAsync()
    {
        if (_sink.SupervisorGone)
        {
            return new PoolDrained(0, 0);
        }

        try
        {
            return await Supervisor.Ask<PoolDrained>(DrainPool.Instance, _drainWait + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            _sink.FailAll(FailureKind.ShuttingDown, "the pool did not finish draining in time");
            return new PoolDrained(0, _sink.PendingCount);
        }
    }

    /// <summary>Drains the pool if this facade started it, then stops it and releases the facade.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_owned && !_sink.SupervisorGone)
        {
            await DrainAsync().ConfigureAwait(false);
            await Supervisor.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        _sink.FailAll(FailureKind.ShuttingDown, "the pool facade was disposed");
        _system.Stop(_watcher);
        ((ExtendedActorSystem)_system).Provider.UnregisterTempActor(_sink.Path);
        if (_owned)
        {
            Metrics?.Dispose();
        }
    }

    private async Task<ScriptResult> AwaitCancellable(Task<IScriptReply> reply, string taskId, Activity? activity, CancellationToken cancellationToken)
    {
        var supervisor = Supervisor;
        using (cancellationToken.UnsafeRegister(
            static state =>
            {
                var (target, id) = ((IActorRef, string))state!;
                target.Tell(new CancelScript(id));
            },
            (supervisor, taskId)))
        {
            return Unwrap(await reply.ConfigureAwait(false), activity);
        }
    }

    private static ScriptResult Unwrap(IScriptReply reply, Activity? activity)
    {
        if (activity is not null)
        {
            // Ended before the caller sees the answer, so the span is complete when the call returns.
            if (activity.IsAllDataRequested)
            {
                TaskTracing.Outcome(activity, reply);
            }

            TaskTracing.Stop(activity);
        }

        return Unwrap(reply);
    }

    private static ScriptResult Unwrap(IScriptReply reply) =>
        TryUnwrap(reply, out var result, out var failure) ? result : throw failure;

    /// <summary>A reply as the caller's result, or the exception it is to the caller (one mapping for every call path).</summary>
    internal static bool TryUnwrap(IScriptReply reply, [NotNullWhen(true)] out ScriptResult? result, [NotNullWhen(false)] out ScriptPoolException? failure)
    {
        (result, failure) = reply switch
        {
            ScriptSucceeded ok => (new ScriptResult(ok.TaskId, ok.ResultJson), null),
            ScriptFailed failed => ((ScriptResult?)null, ScriptPoolException.From(failed)),
            _ => (null, new ScriptPoolException($"unexpected reply {reply.GetType().Name}")),
        };
        return result is not null;
    }

    /// <summary>Fails every pending call when the supervisor terminates, so no call waits forever.</summary>
    private sealed class PoolWatcher : UntypedActor
    {
        private readonly IActorRef _supervisor;
        private readonly ReplySink _sink;

        public PoolWatcher(IActorRef supervisor, ReplySink sink)
        {
            _supervisor = supervisor;
            _sink = sink;
        }

        protected override void PreStart() => Context.Watch(_supervisor);

        protected override void OnReceive(object message)
        {
            if (message is Terminated terminated && terminated.ActorRef.Equals(_supervisor))
            {
                _sink.MarkSupervisorGone();
                _sink.FailAll(FailureKind.WorkerCrashed, SupervisorGoneMessage);
            }
        }
    }
}
