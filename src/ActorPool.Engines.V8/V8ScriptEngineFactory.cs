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
    /// <exception cref="InvalidOperationException">The environment variable <see cref="DisableVariable"/> is <c>1</c> or <c>true</c>.</exception>
    public V8ScriptEngineFactory()
    {
        // The switch fails exactly where a missing native library would, so a pool that asks for V8 takes its
        // real fallback path (one warning, then Jint): the gateway's fallback spec runs a child process with it.
        if (Environment.GetEnvironmentVariable(DisableVariable)?.Trim() is "1" or "true")
        {
            throw new InvalidOperationException($"V8 is switched off in this process by {DisableVariable}");
        }

        using var probe = new V8ScriptEngine();
        probe.Execute("0");
    }

    /// <summary>
    /// The environment variable that switches V8 off in a process (<c>1</c> or <c>true</c>): every pool that asks for
    /// V8 then runs on Jint, as when the native library cannot load. For tests of that fallback, and to rule V8 out
    /// when diagnosing.
    /// </summary>
    public const string DisableVariable = "ACTORPOOL_DISABLE_V8";

    /// <inheritdoc />
    public string Kind => ScriptEngineKinds.V8;

    /// <summary>How many modules the shared code cache holds (one entry per module name, latest version).</summary>
    public int CachedModules => _codeCache.Count;

    /// <summary>The shared code cache, for diagnostics and tests.</summary>
    internal V8CodeCache CodeCache => _codeCache;

    /// <inheritdoc />
    public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => new ClearScriptV8Engine(limits, catalog, _codeCache);
}
