using Acornima;
using Jint;

namespace ActorPool.Modules;

/// <summary>
/// One version of a module as the catalog hands it to engines: its name, version and source text, shared by
/// every engine of the process. Each engine compiles the text in its own way and may cache its compiled form
/// per (name, version); the Jint parse is kept here (internal), made once on first use by a Jint engine.
/// </summary>
public sealed class PreparedModule
{
    private readonly Lazy<Prepared<Acornima.Ast.Module>> _jint;

    internal PreparedModule(ModuleText text, Action onParse)
    {
        Name = text.Name;
        Version = text.Version;
        Code = text.Code;
        _jint = new Lazy<Prepared<Acornima.Ast.Module>>(() => ParseForJint(onParse), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The module name.</summary>
    public string Name { get; }

    /// <summary>The version stamp of <see cref="Code"/> (see <see cref="ModuleText.Version"/>).</summary>
    public string Version { get; }

    /// <summary>The ES module source.</summary>
    public string Code { get; }

    /// <summary>
    /// The names this module exports (what a call may name as its function), read from its syntax tree once per
    /// version; null when they cannot be known without running it (<c>export * from</c>, destructured exports).
    /// </summary>
    /// <exception cref="ModuleLoadException">The code does not parse.</exception>
    public IReadOnlyCollection<string>? ExportNames => Engines.ModuleExports.Of(this).Names;

    /// <summary>
    /// Jint's immutable, thread-safe parse of <see cref="Code"/>, parsed once (single-flight) on first use.
    /// </summary>
    /// <exception cref="ModuleLoadException">The code does not parse (the same exception on every use).</exception>
    internal Prepared<Acornima.Ast.Module> Prepared => _jint.Value;

    private Prepared<Acornima.Ast.Module> ParseForJint(Action onParse)
    {
        onParse();
        try
        {
            return Engine.PrepareModule(Code, Name);
        }
#pragma warning disable CA1031 // Jint wraps parse errors in its own exception type; every preparation failure means "does not parse".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var parseError = ex as ParseErrorException ?? ex.InnerException as ParseErrorException;
            throw new ModuleLoadException(Name, ModuleLoadFailure.SyntaxError, $"module '{Name}' does not parse: {(parseError ?? ex).Message}", ex);
        }
    }
}

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
