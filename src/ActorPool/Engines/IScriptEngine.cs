namespace ActorPool.Engines;

/// <summary>
/// The seam between workers and a JavaScript engine: load a module, call one of its functions under the
/// pool's limits, cancel, dispose. Jint is the only implementation; the seam keeps actors engine-agnostic.
/// An instance is used by exactly one thread (its worker's engine thread), except <see cref="IDisposable.Dispose"/>.
/// </summary>
internal interface IScriptEngine : IDisposable
{
    /// <summary>Distinct modules loaded so far.</summary>
    int LoadedModuleCount { get; }

    /// <summary>Loads module <paramref name="name"/> if not loaded yet.</summary>
    /// <exception cref="Modules.ModuleLoadException">The module cannot be found, parsed or evaluated.</exception>
    void EnsureModule(string name);

    /// <summary>Calls <paramref name="function"/> of <paramref name="module"/> and returns its result as JSON.</summary>
    /// <param name="module">The module name.</param>
    /// <param name="function">The exported function.</param>
    /// <param name="argsJson">A JSON array of arguments, or empty for none.</param>
    /// <param name="cancellation">Cancels the call (checked by the engine between statements).</param>
    /// <returns>The JSON text of the returned value.</returns>
    string Call(string module, string function, string argsJson, CancellationToken cancellation);
}

/// <summary>Thrown when a module has no exported function of the requested name.</summary>
internal sealed class FunctionNotFoundException(string module, string function)
    : Exception($"module '{module}' exports no function '{function}'");

/// <summary>Thrown when a task's arguments are not a JSON array.</summary>
internal sealed class InvalidArgumentsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Thrown when a function's result cannot be represented as JSON.</summary>
internal sealed class ResultNotSerializableException(string message, Exception? inner = null) : Exception(message, inner);
