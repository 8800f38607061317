using ActorPool.Configuration;
using ActorPool.Modules;

namespace ActorPool.Engines;

/// <summary>Makes Jint engines, the default engine kind (<c>actor-pool.engine.kind = jint</c>): pure .NET, runs everywhere.</summary>
public sealed class JintScriptEngineFactory : IScriptEngineFactory
{
    /// <summary>The shared instance (the factory has no state).</summary>
    public static JintScriptEngineFactory Instance { get; } = new();

    /// <inheritdoc />
    public string Kind => ScriptEngineKinds.Jint;

    /// <inheritdoc />
    public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => new JintScriptEngine(limits, catalog);
}
