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
    private readonly Dictionary<string, ObjectInstance> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Module, string Function), JsValue> _functions = [];
    private readonly int _maxArgsLength;
    private readonly HeldMemoryConstraint? _memory;

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
        _parser = new JsonParser(_engine);
        _serializer = new JsonSerializer(_engine);
    }

    public int LoadedModuleCount => _namespaces.Count;

    /// <summary>The held-memory constraint, or null when the memory limit is off (for tests and benches).</summary>
    internal HeldMemoryConstraint? MemoryConstraint => _memory;

    public void EnsureModule(string name) => GetNamespace(name);

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
        finally
        {
            _cancellation.Reset(s_neverCancelled.Token);
        }
    }

    public void Dispose() => _engine.Dispose();

    private ObjectInstance GetNamespace(string name)
    {
        if (_namespaces.TryGetValue(name, out var ns))
        {
            return ns;
        }

        var prepared = _catalog.Get(name);
        _engine.Constraints.Reset();
        try
        {
            _engine.Modules.Add(name, builder => builder.AddModule(prepared.Prepared));
            ns = _engine.Modules.Import(name);
        }
        catch (JavaScriptException ex)
        {
            throw new ModuleLoadException(name, ModuleLoadFailure.EvaluationError, $"module '{name}' threw while loading: {ex.Message}", ex);
        }

        _namespaces[name] = ns;
        return ns;
    }

    private JsValue GetFunction(string module, string function)
    {
        if (_functions.TryGetValue((module, function), out var fn))
        {
            return fn;
        }

        var ns = GetNamespace(module);
        fn = ns.Get(function);
        if (fn is not Jint.Native.Function.Function)
        {
            throw new FunctionNotFoundException(module, function);
        }

        _functions[(module, function)] = fn;
        return fn;
    }

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
