using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;

namespace ActorPool.Engines;

/// <summary>
/// One JavaScript engine of one worker: load a module, call one of its functions under the pool's limits,
/// cancel, dispose. This is the extension point between the pool and an engine (Jint is built in, V8 lives in
/// <c>ActorPool.Engines.V8</c>); an engine is made by an <see cref="IScriptEngineFactory"/>.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> The pool creates, uses and disposes an engine on one dedicated thread (its worker's
/// engine thread, whose stack size is <c>actor-pool.engine.thread-stack-size</c>); an engine never needs to be
/// thread-safe. The only call from another thread is the cancellation of the token passed to
/// <see cref="Call"/>: the engine must then stop the running script promptly (between statements, or with an
/// engine interrupt). An engine that does not return within <c>actor-pool.grace-period</c> of a cancel is
/// abandoned with its thread.</para>
/// <para><b>Limits.</b> Every engine applies the <see cref="EngineLimits"/> it was created with: a time limit per
/// call, a memory limit, a recursion (stack) limit that can never crash the process, a regex timeout where the
/// engine supports one, the argument size limit, and no access to host (.NET) objects or types from scripts.</para>
/// <para><b>Failures.</b> An engine translates its own exceptions into the seam's types below before they leave
/// <see cref="EnsureModule"/> or <see cref="Call"/>; the pool knows no engine's exception types. What the pool
/// makes of each (<c>EngineFailures</c>), and whether it keeps the engine for the worker's next task:
/// <list type="table">
/// <listheader><term>exception</term><description>failure kind; engine</description></listheader>
/// <item><term><see cref="ScriptErrorException"/></term><description><see cref="FailureKind.ScriptError"/> (a
/// JavaScript exception or rejected promise, with its stack); kept.</description></item>
/// <item><term><see cref="EngineLimitExceededException"/></term><description><see cref="FailureKind.LimitExceeded"/>
/// with its <see cref="LimitKind"/> (memory, recursion, statements, regex); replaced, unless the exception says
/// <see cref="EngineLimitExceededException.EngineReusable"/>.</description></item>
/// <item><term><see cref="TimeoutException"/></term><description><see cref="FailureKind.Timeout"/> (the engine's
/// own time limit, <c>actor-pool.engine.time-limit</c>); replaced.</description></item>
/// <item><term><see cref="OperationCanceledException"/></term><description><see cref="FailureKind.Cancelled"/>
/// (the call's token was cancelled: the pool's in-flight timeout or the caller); replaced.</description></item>
/// <item><term><see cref="ModuleLoadException"/></term><description><see cref="ModuleLoadFailure.NotFound"/> ⇒
/// <see cref="FailureKind.ModuleNotFound"/>, kept; <see cref="ModuleLoadFailure.SyntaxError"/> ⇒
/// <see cref="FailureKind.ScriptError"/>, kept; <see cref="ModuleLoadFailure.EvaluationError"/> (the top level
/// threw or could not link) ⇒ <see cref="FailureKind.ScriptError"/>, replaced (the module ran part way).</description></item>
/// <item><term><see cref="FunctionNotFoundException"/></term><description><see cref="FailureKind.ModuleNotFound"/>; kept.</description></item>
/// <item><term><see cref="InvalidArgumentsException"/></term><description><see cref="FailureKind.InvalidRequest"/>; kept.</description></item>
/// <item><term><see cref="ResultNotSerializableException"/></term><description><see cref="FailureKind.ScriptError"/>; kept.</description></item>
/// </list>
/// Any other exception means the engine is broken: the worker crashes and is replaced. An engine's limit that
/// stops a call mid-way must surface as one of these types (never as a script error the script could catch
/// and swallow).</para>
/// </remarks>
public interface IScriptEngine : IDisposable
{
    /// <summary>Distinct modules loaded so far (the worker retires past <c>actor-pool.max-modules-per-engine</c>).</summary>
    int LoadedModuleCount { get; }

    /// <summary>Loads module <paramref name="name"/> from the pool's <see cref="ModuleCatalog"/> if not loaded yet.</summary>
    /// <param name="name">The module name.</param>
    /// <exception cref="ModuleLoadException">The module cannot be found, parsed or evaluated.</exception>
    void EnsureModule(string name);

    /// <summary>Calls <paramref name="function"/> of <paramref name="module"/> and returns its result as JSON.</summary>
    /// <param name="module">The module name.</param>
    /// <param name="function">The exported function.</param>
    /// <param name="argsJson">A JSON array of arguments, or empty (or white space) for none.</param>
    /// <param name="cancellation">Cancels the call; cancelled from another thread while the call runs.</param>
    /// <returns>The JSON text of the returned value (<c>null</c> for undefined); a promise is awaited first.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The names are the pool's vocabulary (RunScript.Module, RunScript.Function); Visual Basic implementers can escape them.")]
    string Call(string module, string function, string argsJson, CancellationToken cancellation);
}

/// <summary>
/// Makes the engines of one kind for a pool (<c>actor-pool.engine.kind</c>). A factory is shared by every worker
/// of a pool and may keep process-wide caches (compiled code); <see cref="Create"/> is called on each worker's
/// engine thread, concurrently for different workers.
/// </summary>
public interface IScriptEngineFactory
{
    /// <summary>The engine kind this factory makes, as shown in <see cref="PoolStats.EngineKind"/> (e.g. <c>jint</c>, <c>v8</c>).</summary>
    string Kind { get; }

    /// <summary>Creates one engine with <paramref name="limits"/> that loads modules from <paramref name="catalog"/>.</summary>
    /// <param name="limits">The pool's engine limits.</param>
    /// <param name="catalog">The pool's module catalog.</param>
    IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog);
}

/// <summary>Thrown when a module has no exported function of the requested name.</summary>
public sealed class FunctionNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="function"/> of <paramref name="module"/>.</summary>
    public FunctionNotFoundException(string module, string function)
        : base($"module '{module}' exports no function '{function}'")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public FunctionNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public FunctionNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public FunctionNotFoundException()
        : base("The module exports no function of that name.")
    {
    }
}

/// <summary>Thrown when a task's arguments are not a JSON array (or are longer than <c>engine.max-args-length</c>).</summary>
public sealed class InvalidArgumentsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidArgumentsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public InvalidArgumentsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public InvalidArgumentsException()
        : base("The arguments are not a JSON array.")
    {
    }
}

/// <summary>Thrown when a function's result cannot be represented as JSON.</summary>
public sealed class ResultNotSerializableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ResultNotSerializableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ResultNotSerializableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ResultNotSerializableException()
        : base("The result cannot be represented as JSON.")
    {
    }
}

/// <summary>A JavaScript exception (or a rejected promise) escaped a call: the seam's <see cref="FailureKind.ScriptError"/>.</summary>
public sealed class ScriptErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The JavaScript error's message (for an <c>Error</c>, its <c>message</c>; otherwise the thrown value as text).</param>
    /// <param name="javaScriptStack">The JavaScript stack, where there is one.</param>
    /// <param name="innerException">The engine's own exception.</param>
    public ScriptErrorException(string message, string? javaScriptStack, Exception? innerException = null)
        : base(message, innerException)
    {
        JavaScriptStack = javaScriptStack;
    }

    /// <summary>Creates an exception with a message.</summary>
    public ScriptErrorException(string message)
        : this(message, javaScriptStack: null)
    {
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public ScriptErrorException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ScriptErrorException()
        : this("A script error occurred.")
    {
    }

    /// <summary>The JavaScript stack, or null.</summary>
    public string? JavaScriptStack { get; }
}

/// <summary>
/// A call hit one of the pool's engine limits (memory, recursion, statements, regex): the seam's
/// <see cref="FailureKind.LimitExceeded"/>. The pool words the caller's message from the limit and the pool's
/// configuration, unless the engine gives one (<see cref="EngineLimitExceededException(LimitKind, string, Exception?)"/>).
/// </summary>
public sealed class EngineLimitExceededException : Exception
{
    /// <summary>Creates the exception for <paramref name="limit"/>; the pool reports its usual message for that limit.</summary>
    public EngineLimitExceededException(LimitKind limit, Exception? innerException = null)
        : base($"the script exceeded the engine's {limit} limit", innerException)
    {
        Limit = limit;
    }

    /// <summary>
    /// Creates the exception for <paramref name="limit"/> with the message the caller receives (naming the
    /// configuration keys involved), for a limit reached in a way the pool's usual message does not describe.
    /// </summary>
    public EngineLimitExceededException(LimitKind limit, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Limit = limit;
        HasEngineMessage = true;
    }

    /// <summary>Creates an exception with a message.</summary>
    public EngineLimitExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public EngineLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public EngineLimitExceededException()
        : base("The script exceeded an engine limit.")
    {
    }

    /// <summary>Which limit was hit.</summary>
    public LimitKind Limit { get; }

    /// <summary>
    /// True when the engine stays sound after this failure, so the pool runs the worker's next task on it; false
    /// (the default) when the call was cut off mid-way and the pool replaces the engine first. Jint sets it for a
    /// regular expression stopped by its timeout in a call's synchronous part: the match is abandoned inside one
    /// built-in call and the engine's own state is intact. The call ends there without running the script's
    /// <c>catch</c> or <c>finally</c> blocks on the way out, so module state that a script keeps consistent only
    /// through a <c>finally</c> around a runaway match stays as the match left it.
    /// </summary>
    public bool EngineReusable { get; init; }

    /// <summary>True when <see cref="Exception.Message"/> is the engine's own message for the caller.</summary>
    internal bool HasEngineMessage { get; }
}
