using Akka.Event;

namespace ActorPool.Engines;

/// <summary>
/// The engine kinds of <c>actor-pool.engine.kind</c>, and how a pool finds the factory of its kind. The core
/// library does not reference V8: the V8 factory is found by name in the <c>ActorPool.Engines.V8</c> assembly,
/// which the host references when it wants V8.
/// </summary>
public static class ScriptEngineKinds
{
    /// <summary>Jint, the default: pure .NET, runs everywhere.</summary>
    public const string Jint = "jint";

    /// <summary>V8 through Microsoft.ClearScript (<c>ActorPool.Engines.V8</c>), for compute-heavy modules.</summary>
    public const string V8 = "v8";

    /// <summary>The assembly-qualified name of the V8 factory.</summary>
    internal const string V8FactoryTypeName = "ActorPool.Engines.V8.V8ScriptEngineFactory, ActorPool.Engines.V8";

    /// <summary>An engine of the default kind (<see cref="Jint"/>), for pools built without an engine factory.</summary>
    internal static IScriptEngine CreateDefault(Configuration.EngineLimits limits, Modules.ModuleCatalog catalog) =>
        JintScriptEngineFactory.Instance.Create(limits, catalog);

    /// <summary>True when <paramref name="kind"/> names a known engine kind.</summary>
    public static bool IsKnown(string? kind) => kind is Jint or V8;

    /// <summary>
    /// The factory for <paramref name="kind"/>. When V8 is asked for but cannot be used (the assembly is not
    /// deployed, or its native library does not load), logs one warning and returns the Jint factory, so the
    /// pool still serves; <see cref="IScriptEngineFactory.Kind"/> then says <c>jint</c>.
    /// </summary>
    internal static IScriptEngineFactory Resolve(string kind, ILoggingAdapter log, string v8FactoryTypeName = V8FactoryTypeName)
    {
        if (kind != V8)
        {
            return JintScriptEngineFactory.Instance;
        }

        string reason;
        try
        {
            // The V8 factory's constructor starts one V8 runtime, so a missing native library shows here, once.
            var type = Type.GetType(v8FactoryTypeName, throwOnError: false);
            if (type is not null && Activator.CreateInstance(type) is IScriptEngineFactory factory)
            {
                return factory;
            }

            reason = $"the type {v8FactoryTypeName} was not found (reference the ActorPool.Engines.V8 package)";
        }
#pragma warning disable CA1031 // Any failure to start V8 (missing native library, wrong platform) falls back to Jint.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            reason = (ex.InnerException ?? ex).Message;
        }

        log.Warning("actor-pool.engine.kind = v8, but V8 cannot be used here ({0}); this pool runs on Jint", reason);
        return JintScriptEngineFactory.Instance;
    }
}
