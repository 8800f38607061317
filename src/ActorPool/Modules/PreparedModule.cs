using Jint;

namespace ActorPool.Modules;

/// <summary>A parsed module, shared by every engine of the process.</summary>
/// <param name="Name">The module name.</param>
/// <param name="Version">The version of the code that was parsed.</param>
/// <param name="Prepared">Jint's immutable, thread-safe parse result.</param>
public sealed record PreparedModule(string Name, string Version, Prepared<Acornima.Ast.Module> Prepared);

/// <summary>Why a module could not be loaded.</summary>
public enum ModuleLoadFailure
{
    /// <summary>No module has that name.</summary>
    NotFound,

    /// <summary>The module's code does not parse.</summary>
    SyntaxError,

    /// <summary>Evaluating the module's top level threw.</summary>
    EvaluationError,
}

/// <summary>Thrown when a module cannot be found, parsed or evaluated.</summary>
public sealed class ModuleLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModuleLoadException(string module, ModuleLoadFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Module = module;
        Failure = failure;
    }

    /// <summary>Creates an exception with a message.</summary>
    public ModuleLoadException(string message)
        : this(string.Empty, ModuleLoadFailure.NotFound, message)
    {
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public ModuleLoadException(string message, Exception innerException)
        : this(string.Empty, ModuleLoadFailure.NotFound, message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ModuleLoadException()
        : this("A module could not be loaded.")
    {
    }

    /// <summary>The module that failed.</summary>
    public string Module { get; }

    /// <summary>What went wrong.</summary>
    public ModuleLoadFailure Failure { get; }
}
