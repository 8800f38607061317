using ActorPool.Configuration;
using ActorPool.Modules;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime;

namespace ActorPool.Engines;

/// <summary>One Jint engine with every pool limit set, and the modules it has loaded.</summary>
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

    // A never-cancelled token: Jint only installs its cancellation constraint for a cancellable token, and
    // the constraint is re-armed with each task's token before the call.
    private static readonly CancellationTokenSource s_neverCancelled = new();

    public JintScriptEngine(EngineLimits limits, ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _catalog = catalog;
        _maxArgsLength = limits.MaxArgsLength;
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

    public void EnsureModule(string name) => LoadModule(name);

    public string Call(string module, string function, string argsJson, CancellationToken cancellation)
    {
        var fn = GetFunction(module, function);
        var args = ParseArguments(argsJson);
        _engine.Constraints.Reset();
        _cancellation.Reset(cancellation);
        try
        {
            var result = _engine.Invoke(fn, JsValue.Undefined, args);
            if (result.IsPromise())
            {
                result = result.UnwrapIfPromise(cancellation);
            }

            return Serialize(result);
        }
        catch (JavaScriptException ex) when (IsStackGuardError(ex))
        {
            throw new NativeStackExhaustedException(ex);
        }
        finally
        {
            _cancellation.Reset(s_neverCancelled.Token);
        }
    }

    public void Dispose() => _engine.Dispose();

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
        catch (JavaScriptException ex)
        {
            throw new ModuleLoadException(module, ModuleLoadFailure.EvaluationError, $"module '{module}' threw while loading: {ex.Message}", ex);
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
        catch (JavaScriptException ex) when (IsStackGuardError(ex))
        {
            // A result whose toJSON or getters recurse runs out of stack here, after the call returned.
            throw new NativeStackExhaustedException(ex);
        }
        catch (JavaScriptException ex)
        {
            throw new ResultNotSerializableException($"the function's result cannot be represented as JSON: {ex.Message}", ex);
        }

        if (!json.IsString())
        {
            throw new ResultNotSerializableException($"the function returned a {result.Type.ToString().ToLowerInvariant()}, which JSON cannot represent");
        }

        return json.AsString();
    }
}
