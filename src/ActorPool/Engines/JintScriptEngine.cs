using System.Text.RegularExpressions;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime;

namespace ActorPool.Engines;

/// <summary>One Jint engine with every pool limit set, and the modules it has loaded.</summary>
/// <remarks>
/// Jint's exceptions never leave this type: <see cref="Translate"/> turns them into the seam's failure types
/// (see <see cref="IScriptEngine"/>), so the pool maps failures without knowing Jint.
/// </remarks>
internal sealed class JintScriptEngine : IScriptEngine
{
    private readonly Engine _engine;
    private readonly ModuleCatalog _catalog;
    private readonly CancellationConstraint _cancellation;
    private readonly JsonParser _parser;
    private readonly JsonSerializer _serializer;
    private readonly Dictionary<string, PreparedModule> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObjectInstance> _namespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Module, string Function), JsValue> _functions = [];
    private readonly int _maxArgsLength;
    private readonly HeldMemoryConstraint? _memory;
    private readonly JsValue _rangeErrorPrototype;
    private readonly int _recursionLimit;

    // A never-cancelled token: Jint only installs its cancellation constraint for a cancellable token, and
    // the constraint is re-armed with each task's token before the call.
    private static readonly CancellationTokenSource s_neverCancelled = new();

    public JintScriptEngine(EngineLimits limits, ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _catalog = catalog;
        _maxArgsLength = limits.MaxArgsLength;
        _recursionLimit = limits.RecursionLimit;
        // Not options.LimitMemory: that counts allocations (so long calls fail on churn) and is an exact
        // constraint that switches off Jint's tight-loop lanes. See HeldMemoryConstraint.
        var memory = limits.MemoryLimitBytes > 0 ? new HeldMemoryConstraint(limits.MemoryLimitBytes) : null;
        _memory = memory;
        _engine = new Engine(options =>
        {
            options.LimitRecursion(limits.RecursionLimit);
            // The depth limit fires first for ordinary recursion; the guard catches routes it does not count
            // (getters, coercions, callbacks), so no script can overflow the native stack.
            options.Constraints.StackOverflowGuard = true;
            options.Constraints.RegexTimeout = limits.RegexTimeout;
            options.CancellationToken(s_neverCancelled.Token);
            // Scripts import nothing but what this engine registered; anything else is a script error.
            options.EnableModules(RefusingModuleLoader.Instance);
            if (memory is not null)
            {
                options.Constraint(memory);
            }

            if (limits.TimeLimit > TimeSpan.Zero)
            {
                options.TimeoutInterval(limits.TimeLimit);
            }

            if (limits.MaxStatements > 0)
            {
                options.MaxStatements(limits.MaxStatements);
            }
        });
        _cancellation = _engine.Constraints.Find<CancellationConstraint>()
            ?? throw new InvalidOperationException("Jint did not install its cancellation constraint.");
        // Read before any module runs, so no script can have replaced it.
        _rangeErrorPrototype = _engine.GetValue("RangeError").AsObject().Get("prototype");
        _parser = new JsonParser(_engine);
        _serializer = new JsonSerializer(_engine);
    }

    public int LoadedModuleCount => _loaded.Count;

    /// <summary>The held-memory constraint, or null when the memory limit is off (for tests and benches).</summary>
    internal HeldMemoryConstraint? MemoryConstraint => _memory;

    public void EnsureModule(string name)
    {
        try
        {
            LoadModule(name);
        }
        catch (Exception ex)
        {
            if (Translate(ex, Stage.Loading, CancellationToken.None) is { } failure)
            {
                throw failure;
            }

            throw;
        }
    }

    public string Call(string module, string function, string argsJson, CancellationToken cancellation)
    {
        var stage = Stage.Loading;
        try
        {
            var fn = GetFunction(module, function);
            var args = ParseArguments(argsJson);
            _engine.Constraints.Reset();
            _cancellation.Reset(cancellation);
            stage = Stage.Running;
            var result = _engine.Invoke(fn, JsValue.Undefined, args);
            if (result.IsPromise())
            {
                stage = Stage.Awaiting;
                result = result.UnwrapIfPromise(cancellation);
                stage = Stage.Running;
            }

            return Serialize(result);
        }
        catch (Exception ex)
        {
            if (Translate(ex, stage, cancellation) is { } failure)
            {
                throw failure;
            }

            throw;
        }
        finally
        {
            _cancellation.Reset(s_neverCancelled.Token);
        }
    }

    public void Dispose() => _engine.Dispose();

    /// <summary>Where in a call a failure happened: it decides whether a regex timeout leaves the engine reusable.</summary>
    private enum Stage
    {
        /// <summary>Loading a module (its top level ran part way).</summary>
        Loading,

        /// <summary>Running the function's synchronous part, or serializing its result.</summary>
        Running,

        /// <summary>Awaiting the function's promise (jobs of the engine's queue may be left queued).</summary>
        Awaiting,
    }

    /// <summary>
    /// The seam's exception for a Jint failure (<see cref="IScriptEngine"/>'s failure contract), or null for an
    /// exception that is already a seam type (it propagates as it is) or that means the engine is broken.
    /// Called in catch blocks (not filters): reading a rejected promise's value may run script getters, which
    /// must not happen before Jint's own frames have unwound.
    /// </summary>
    private Exception? Translate(Exception exception, Stage stage, CancellationToken cancellation) => exception switch
    {
        // The stack guard's RangeError: recursion the depth limit does not count, stopped before the thread's stack ran out.
        JavaScriptException js when IsStackGuardError(js) => new EngineLimitExceededException(LimitKind.Recursion, StackGuardMessage(), js),
        JavaScriptException js => new ScriptErrorException(js.Message, js.JavaScriptStackTrace, js),
        // An async function that threw: the same failure as a synchronous throw.
        PromiseRejectedException rejected => new ScriptErrorException(RejectionText(rejected.RejectedValue), RejectionStack(rejected.RejectedValue), rejected),
        MemoryLimitExceededException => new EngineLimitExceededException(LimitKind.Memory, exception),
        RecursionDepthOverflowException => new EngineLimitExceededException(LimitKind.Recursion, exception),
        StatementsCountOverflowException => new EngineLimitExceededException(LimitKind.Statements, exception),
        // .NET stopped the match inside one built-in call: Jint's own state is intact. In a call's synchronous part
        // the engine is kept (see EngineLimitExceededException.EngineReusable); while a module loads (its top level
        // ran part way) or a promise is awaited (jobs may be left in the queue), it is replaced.
        RegexMatchTimeoutException => new EngineLimitExceededException(LimitKind.RegexTimeout, exception) { EngineReusable = stage == Stage.Running },
        ExecutionCanceledException => new OperationCanceledException("the task was cancelled", exception, cancellation),
        // Jint wraps some failures (e.g. from a promise job or a module's loading): what counts is inside.
        JintException or InvalidOperationException when exception.InnerException is { } inner => IsSeamFailure(inner) ? inner : Translate(inner, stage, cancellation),
        _ => null,
    };

    /// <summary>Whether <paramref name="exception"/> is one of the seam's failure types.</summary>
    private static bool IsSeamFailure(Exception exception) => exception is ScriptErrorException or EngineLimitExceededException
        or TimeoutException or OperationCanceledException or ModuleLoadException or FunctionNotFoundException
        or InvalidArgumentsException or ResultNotSerializableException;

    private string StackGuardMessage() =>
        $"the script recursed through accessors, coercions or callbacks until the engine thread's stack ran out, within the call depth limit of {_recursionLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)} (actor-pool.engine.recursion-limit, actor-pool.engine.thread-stack-size)";

    private static string RejectionText(JsValue value) =>
        value is ObjectInstance error && error.Get("message") is { } text && text.IsString() ? text.AsString() : value.ToString();

    private static string? RejectionStack(JsValue value) =>
        value is ObjectInstance error && error.Get("stack") is { } stack && stack.IsString() ? stack.AsString() : null;

    /// <summary>
    /// Whether <paramref name="exception"/> is the <c>RangeError</c> of Jint's native stack guard
    /// (<c>StackOverflowGuard</c>). A script that throws an identical RangeError itself is reported the same way.
    /// </summary>
    private bool IsStackGuardError(JavaScriptException exception) =>
        string.Equals(exception.Message, "Maximum call stack size exceeded", StringComparison.Ordinal)
        && exception.Error is ObjectInstance error
        && ReferenceEquals(error.Prototype, _rangeErrorPrototype);

    /// <summary>
    /// Loads and evaluates module <paramref name="name"/> in this engine without building its namespace: the
    /// engine imports a one-line module that imports it for its side effects (see <see cref="ModuleExports"/>
    /// for why the namespace is avoided).
    /// </summary>
    private PreparedModule LoadModule(string name)
    {
        if (_loaded.TryGetValue(name, out var loaded))
        {
            return loaded;
        }

        var prepared = _catalog.Get(name);
        Register(name, builder => builder.AddModule(prepared.Prepared));
        ImportModule(name, LoaderPrefix + name, $"import {Quote(name)};");
        _loaded[name] = prepared;
        return prepared;
    }

    private JsValue GetFunction(string module, string function)
    {
        if (_functions.TryGetValue((module, function), out var fn))
        {
            return fn;
        }

        var prepared = LoadModule(module);
        if (ModuleExports.Of(prepared).Names is { } exports)
        {
            if (!exports.Contains(function))
            {
                throw new FunctionNotFoundException(module, function);
            }

            // A module that re-exports just this function: linking it resolves one export, not all of them.
            fn = ImportModule(module, $"{FunctionPrefix}{module}/{function}", $"export {{ {Quote(function)} as f }} from {Quote(module)};").Get("f");
        }
        else
        {
            // Export names unknown statically (export *, destructuring): fall back to the module namespace.
            if (!_namespaces.TryGetValue(module, out var ns))
            {
                ns = ImportModule(module, module, null);
                _namespaces[module] = ns;
            }

            fn = ns.Get(function);
        }

        if (fn is not Jint.Native.Function.Function)
        {
            throw new FunctionNotFoundException(module, function);
        }

        _functions[(module, function)] = fn;
        return fn;
    }

    private void Register(string specifier, Action<Jint.Runtime.Modules.ModuleBuilder> build)
    {
        // Jint refuses a second registration of a name not loaded yet; after a failed load, retry the import only.
        if (_registered.Add(specifier))
        {
            _engine.Modules.Add(specifier, build);
        }
    }

    private ObjectInstance ImportModule(string module, string specifier, string? code)
    {
        if (code is not null)
        {
            Register(specifier, builder => builder.AddSource(code));
        }

        _engine.Constraints.Reset();
        try
        {
            return _engine.Modules.Import(specifier);
        }
        catch (JavaScriptException ex) when (!IsStackGuardError(ex))
        {
            throw new ModuleLoadException(module, ModuleLoadFailure.EvaluationError, $"module '{module}' threw while loading: {ex.Message}", new ScriptErrorException(ex.Message, ex.JavaScriptStackTrace, ex));
        }
    }

    // Module names are letters, digits and '_-.$' (ModuleNames), so these specifiers cannot name a real module.
    private const string LoaderPrefix = "actor-pool:load/";
    private const string FunctionPrefix = "actor-pool:function/";

    /// <summary>A JavaScript string literal for <paramref name="text"/> (JSON string syntax is valid JavaScript).</summary>
    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private JsValue[] ParseArguments(string argsJson)
    {
        if (string.IsNullOrWhiteSpace(argsJson))
        {
            return [];
        }

        if (argsJson.Length > _maxArgsLength)
        {
            throw new InvalidArgumentsException($"the arguments are {argsJson.Length} characters long; the limit is {_maxArgsLength} (actor-pool.engine.max-args-length)");
        }

        JsValue parsed;
        try
        {
            parsed = _parser.Parse(argsJson);
        }
        catch (JavaScriptException ex)
        {
            throw new InvalidArgumentsException($"the arguments are not valid JSON: {ex.Message}", ex);
        }

        if (parsed is not JsArray array)
        {
            throw new InvalidArgumentsException("the arguments must be a JSON array, e.g. [\"abc\", 1]");
        }

        var length = (int)array.Length;
        var args = new JsValue[length];
        for (var i = 0; i < length; i++)
        {
            args[i] = array.Get(i);
        }

        return args;
    }

    private string Serialize(JsValue result)
    {
        if (result.IsUndefined() || result.IsNull())
        {
            return "null";
        }

        JsValue json;
        try
        {
            json = _serializer.Serialize(result);
        }
        catch (JavaScriptException ex) when (!IsStackGuardError(ex))
        {
            // (A result whose toJSON or getters recurse runs out of stack here: the stack guard's error goes
            // on to Translate, as LimitExceeded(recursion).)
            throw new ResultNotSerializableException($"the function's result cannot be represented as JSON: {ex.Message}", ex);
        }

        if (!json.IsString())
        {
            throw new ResultNotSerializableException($"the function returned a {result.Type.ToString().ToLowerInvariant()}, which JSON cannot represent");
        }

        return json.AsString();
    }
}
