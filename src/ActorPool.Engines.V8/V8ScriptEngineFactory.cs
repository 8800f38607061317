using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;
using Microsoft.ClearScript.V8;

namespace ActorPool.Engines.V8;

/// <summary>
/// Makes V8 engines (<c>actor-pool.engine.kind = v8</c>): one V8 runtime (isolate) per worker, modules loaded
/// as ES modules from the pool's <see cref="ModuleCatalog"/>, compiled once per pool through a shared V8 code
/// cache. A pool finds this factory by name when its engine kind is <c>v8</c>; a host only has to reference
/// this assembly.
/// </summary>
public sealed class V8ScriptEngineFactory : IScriptEngineFactory
{
    private readonly V8CodeCache _codeCache = new();

    /// <summary>
    /// Creates the factory and starts (and stops) one V8 runtime, so that a missing or incompatible native
    /// library fails here, once, rather than in every worker.
    /// </summary>
    /// <exception cref="Exception">V8 cannot run in this process (for example <see cref="DllNotFoundException"/>).</exception>
    public V8ScriptEngineFactory()
    {
        using var probe = new V8ScriptEngine();
        probe.Execute("0");
    }

    /// <inheritdoc />
    public string Kind => ScriptEngineKinds.V8;

    /// <summary>How many modules the shared code cache holds (one entry per module name, latest version).</summary>
    public int CachedModules => _codeCache.Count;

    /// <summary>The shared code cache, for diagnostics and tests.</summary>
    internal V8CodeCache CodeCache => _codeCache;

    /// <inheritdoc />
    public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => new ClearScriptV8Engine(limits, catalog, _codeCache);
}
