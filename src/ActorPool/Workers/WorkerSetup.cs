using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Telemetry;

namespace ActorPool.Workers;

/// <summary>Everything a worker needs from its pool.</summary>
internal sealed record WorkerSetup(
    PoolSettings Settings,
    ModuleCatalog Catalog,
    PoolMetrics Metrics,
    IPoolObserver? Observer)
{
    public EngineLimitsDescription LimitsText { get; } = EngineLimitsDescription.From(Settings.EffectiveEngine);

    /// <summary>
    /// Creates one worker's engine; called on that worker's engine thread. Null means an engine of the default
    /// kind (<see cref="ScriptEngineKinds.CreateDefault"/>) with the pool's effective limits
    /// (<see cref="PoolSettings.EffectiveEngine"/>).
    /// </summary>
    public Func<IScriptEngine>? EngineFactory { get; init; }

    /// <summary>The engine kind that serves this pool (shown in <see cref="Protocol.PoolStats.EngineKind"/>).</summary>
    public string EngineKind { get; init; } = ScriptEngineKinds.Jint;

    /// <summary>
    /// Makes a worker's engine host from its name, stack size, engine factory and fault handler. Null means a
    /// dedicated thread (<see cref="EngineHost"/>); a model-based spec runs the jobs itself.
    /// </summary>
    public Func<string, int, Func<IScriptEngine>, Action<Exception>, IEngineHost>? HostFactory { get; init; }

    /// <summary>Creates a worker's engine host with <see cref="HostFactory"/>, or a dedicated thread when none is set.</summary>
    public IEngineHost CreateHost(string name, int stackSize, Action<Exception> onFault) =>
        HostFactory?.Invoke(name, stackSize, CreateEngine, onFault) ?? new EngineHost(name, stackSize, CreateEngine, onFault);

    /// <summary>Creates an engine with <see cref="EngineFactory"/>, or one of the default kind when none is set.</summary>
    public IScriptEngine CreateEngine() => EngineFactory?.Invoke() ?? ScriptEngineKinds.CreateDefault(Settings.EffectiveEngine, Catalog);
}
