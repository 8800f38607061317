using Jint;
using Jint.Runtime;
using Jint.Runtime.Modules;

namespace ActorPool.Engines;

/// <summary>
/// The module loader of every Jint engine of the pool: a script can import only the modules the engine itself
/// registered (the pool loads modules by name from its catalog); any other import fails as a JavaScript
/// <c>TypeError</c>, so a static import makes its module fail to load (<c>ModuleLoadException</c>) and a dynamic
/// <c>import()</c> rejects, like any script error, instead of leaving Jint with an exception of its own.
/// </summary>
internal sealed class RefusingModuleLoader : IModuleLoader
{
    /// <summary>The shared instance (the loader has no state).</summary>
    public static RefusingModuleLoader Instance { get; } = new();

    /// <summary>Specifiers stay as written: the engine registers its modules under their plain names.</summary>
    public ResolvedSpecifier Resolve(string? referencingModuleLocation, ModuleRequest moduleRequest) =>
        new(moduleRequest, moduleRequest.Specifier, Uri: null, SpecifierType.Bare);

    /// <summary>Called only for a specifier the engine did not register: refuses it.</summary>
    public Module LoadModule(Engine engine, ResolvedSpecifier resolved)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(resolved);
        throw new JavaScriptException(engine.Intrinsics.TypeError, $"cannot import '{resolved.ModuleRequest.Specifier}': a pool loads modules by name, scripts cannot import");
    }
}
