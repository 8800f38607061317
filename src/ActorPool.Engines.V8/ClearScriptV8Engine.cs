using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Protocol;
using Microsoft.ClearScript;
using Microsoft.ClearScript.JavaScript;
using Microsoft.ClearScript.V8;

namespace ActorPool.Engines.V8;

/// <summary>
/// One V8 runtime with the pool's limits, and the modules it has loaded. Created, used and disposed on its
/// worker's engine thread; only the interrupt (time limit, cancellation) comes from other threads.
/// </summary>
internal sealed class ClearScriptV8Engine : IScriptEngine
{
    private const long MiB = 1L << 20;

    /// <summary>The heap limit when <c>memory-limit = 0</c>: V8 ends the process at its own limit, so there is always one.</summary>
    private const long DefaultHeapLimit = 1L << 30;

    /// <summary>
    /// Glue that runs inside the engine, captured before any module runs (a module that replaces
    /// <c>JSON.parse</c> does not change how arguments and results travel). Arguments and results cross as
    /// JSON text, the same rules and messages as the Jint engine; the first character of an answer says what it
    /// is: R = result JSON, A = bad arguments, N = not serializable, P = a promise (settle() later), U = a
    /// promise that did not settle.
    /// </summary>
    /// <remarks>
    /// The glue is an array <c>[lookup, bind, settle]</c> and is only ever reached by index or by invoking what it
    /// returns: ClearScript remembers the object a function was read from by name (<c>GetProperty</c>) and then
    /// invokes it through its own script helper with the .NET argument array as a host object, which costs
    /// reflection per call and a finalizable wrapper. Each exported function is bound once per engine
    /// (<c>bind(fn)</c> → <c>argsJson =&gt; call(fn, argsJson)</c>), so a call is one invoke of a script function with
    /// one string in and one string out.
    /// </remarks>
    private const string Glue = """
        (() => {
          'use strict';
          const parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray, apply = Reflect.apply;
          const PromiseType = Promise, then = Promise.prototype.then, RangeErrorType = RangeError;
          // V8's stack guard inside the result's toJSON or getters is the recursion limit, not a result JSON
          // cannot represent: it goes on to the host (Translate) as LimitExceeded(recursion), as on Jint.
          const overflow = e => e instanceof RangeErrorType && e.message === 'Maximum call stack size exceeded';
          let state = 0, outcome;
          const describe = e => (e !== null && typeof e === 'object' && typeof e.message === 'string') ? e.message : String(e);
          const kind = v => typeof v === 'function' ? 'object' : typeof v;
          const encode = v => {
            if (v === undefined || v === null) return 'Rnull';
            let json;
            try { json = stringify(v); } catch (e) { if (overflow(e)) throw e; return "Nthe function's result cannot be represented as JSON: " + describe(e); }
            return typeof json === 'string' ? 'R' + json : 'Nthe function returned a ' + kind(v) + ', which JSON cannot represent';
          };
          const call = (fn, argsJson) => {
            let args = [];
            if (argsJson !== '') {
              try { args = parse(argsJson); } catch (e) { return 'Athe arguments are not valid JSON: ' + describe(e); }
              if (!isArray(args)) return 'Athe arguments must be a JSON array, e.g. ["abc", 1]';
            }
            const v = apply(fn, undefined, args);
            if (v instanceof PromiseType) {
              state = 0; outcome = undefined;
              apply(then, v, [r => { state = 1; outcome = r; }, e => { state = 2; outcome = e; }]);
              return 'P';
            }
            return encode(v);
          };
          return Object.freeze([
            (ns, name) => { const f = ns[name]; return typeof f === 'function' ? f : undefined; },
            fn => argsJson => call(fn, argsJson),
            () => {
              const s = state, o = outcome;
              state = 0; outcome = undefined;
              if (s === 1) return encode(o);
              if (s === 2) throw o;
              return 'U';
            },
          ]);
        })()
        """;

    private readonly V8ScriptEngine _engine;
    private readonly ModuleCatalog _catalog;
    private readonly V8CodeCache _codeCache;
    private readonly CatalogDocumentLoader _loader = new();
    private readonly ScriptObject _lookup;
    private readonly ScriptObject _bind;
    private readonly ScriptObject _settle;
    private readonly Dictionary<string, ScriptObject> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Module, string Function), ScriptObject> _functions = [];
    private readonly int _maxArgsLength;
    private readonly string? _stackLimitMessage;
    private readonly TimeSpan _timeLimit;
    private readonly Timer _timeLimitTimer;
    private readonly Timer _interruptRepeater;
    private readonly Lock _gate = new();
    private bool _running;
    private bool _timedOut;
    private bool _stopRequested;

    public ClearScriptV8Engine(EngineLimits limits, ModuleCatalog catalog, V8CodeCache codeCache)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _codeCache = codeCache;
        _maxArgsLength = limits.MaxArgsLength;
        _stackLimitMessage = StackLimitMessage(limits);
        _timeLimit = limits.TimeLimit;

        var heapLimit = limits.MemoryLimitBytes > 0 ? limits.MemoryLimitBytes : DefaultHeapLimit;
        var constraints = new V8RuntimeConstraints
        {
            // The heap monitor below fails the call; V8's own hard limit (which ends the process) must stay out
            // of reach between two samples, so it is set well above and may grow on demand.
            MaxOldSpaceSize = (int)Math.Min(int.MaxValue, Math.Max(512, 4 * heapLimit / MiB)),
            HeapExpansionMultiplier = 2,
            MaxArrayBufferAllocation = (ulong)heapLimit,
        };
        _engine = new V8ScriptEngine(constraints, V8ScriptEngineFlags.None);
        try
        {
            // Default violation policy (Interrupt): the call ends with a fatal "exceeded its memory limit"
            // exception and the runtime refuses further work; the worker replaces the engine.
            _engine.MaxRuntimeHeapSize = checked((UIntPtr)(ulong)heapLimit);
            _engine.RuntimeHeapSizeSampleInterval = TimeSpan.FromMilliseconds(50);
            _engine.MaxRuntimeStackUsage = checked((UIntPtr)(ulong)StackUsage(limits));
            _engine.DocumentSettings = new DocumentSettings { Loader = _loader };
            // By index, never by name (see Glue): these must not remember the glue as their holder.
            var glue = (ScriptObject)_engine.Evaluate(new DocumentInfo("actorpool-glue"), Glue);
            _lookup = (ScriptObject)glue.GetProperty(0);
            _bind = (ScriptObject)glue.GetProperty(1);
            _settle = (ScriptObject)glue.GetProperty(2);
        }
        catch
        {
            _engine.Dispose();
            throw;
        }

        _timeLimitTimer = new Timer(static state => ((ClearScriptV8Engine)state!).Interrupt(timedOut: true), this, Timeout.Infinite, Timeout.Infinite);
        _interruptRepeater = new Timer(static state => ((ClearScriptV8Engine)state!).RepeatInterrupt(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>How often an interrupt is repeated until the call ends (V8 drops one that arrives outside script code).</summary>
    private static TimeSpan InterruptRepeat { get; } = TimeSpan.FromMilliseconds(10);

    public int LoadedModuleCount => _namespaces.Count;

    /// <summary>
    /// V8 bounds stack bytes, not calls: recursion-limit × 1 KiB (ordinary frames are smaller, so at least that
    /// depth works), at least 1 MiB, at most half the engine thread's stack so V8 fails before the thread does.
    /// </summary>
    internal static long StackUsage(EngineLimits limits) =>
        Math.Min(limits.ThreadStackSize / 2L, Math.Max(MiB, limits.RecursionLimit * 1024L));

    /// <summary>
    /// The caller's message for V8's stack guard when <see cref="StackUsage"/> is capped by the engine thread's stack
    /// (so the stack, not <c>recursion-limit</c>, is what stopped the call: at 100,000 and the default 64 MiB thread,
    /// 32 MiB); null when the pool's usual call-depth message is true.
    /// </summary>
    internal static string? StackLimitMessage(EngineLimits limits)
    {
        var usage = StackUsage(limits);
        if (usage >= limits.RecursionLimit * 1024L)
        {
            return null;
        }

        var mib = (usage / (double)MiB).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
        var depth = limits.RecursionLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"the script exceeded V8's stack limit of {mib} MiB, half of the engine thread's stack (actor-pool.engine.thread-stack-size), which is less than the call depth limit of {depth} (actor-pool.engine.recursion-limit) at 1 KiB a call";
    }

    public void EnsureModule(string name) => Guarded(() => GetNamespace(name), CancellationToken.None);

    public string Call(string module, string function, string argsJson, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        if (argsJson is not null && argsJson.Length > _maxArgsLength)
        {
            throw new InvalidArgumentsException($"the arguments are {argsJson.Length} characters long; the limit is {_maxArgsLength} (actor-pool.engine.max-args-length)");
        }

        var args = string.IsNullOrWhiteSpace(argsJson) ? string.Empty : argsJson;

        // The hot path: no delegates of ours, one invoke of the bound function (string in, string out).
        string answer;
        var registration = Begin(cancellation);
        try
        {
            var bound = GetFunction(module, function);
            answer = Invoke(bound, args, cancellation);
            if (answer[0] == 'P')
            {
                answer = Invoke(_settle, null, cancellation);
            }
        }
        finally
        {
            End(registration);
        }

        return answer[0] switch
        {
            'R' => answer[1..],
            'A' => throw new InvalidArgumentsException(answer[1..]),
            'N' => throw new ResultNotSerializableException(answer[1..]),
            'U' => throw new ScriptErrorException("the function returned a promise that did not settle", javaScriptStack: null),
            _ => throw new InvalidOperationException($"unexpected answer from the V8 glue: {answer[..Math.Min(answer.Length, 40)]}"),
        };
    }

    /// <summary>
    /// Runs <paramref name="work"/> (module loading and script calls) under the time limit and
    /// <paramref name="cancellation"/>: either interrupts the engine while the work runs.
    /// </summary>
    private T Guarded<T>(Func<T> work, CancellationToken cancellation)
    {
        var registration = Begin(cancellation);
        try
        {
            return work();
        }
        finally
        {
            End(registration);
        }
    }

    /// <summary>Arms the time limit and the cancellation interrupt for one piece of work; <see cref="End"/> disarms them.</summary>
    private CancellationTokenRegistration Begin(CancellationToken cancellation)
    {
        lock (_gate)
        {
            _running = true;
            _timedOut = false;
            _stopRequested = false;
        }

        var registration = cancellation.UnsafeRegister(static state => ((ClearScriptV8Engine)state!).Interrupt(timedOut: false), this);
        if (_timeLimit > TimeSpan.Zero)
        {
            _timeLimitTimer.Change(_timeLimit, Timeout.InfiniteTimeSpan);
        }

        return registration;
    }

    private void End(CancellationTokenRegistration registration)
    {
        registration.Dispose();
        if (_timeLimit > TimeSpan.Zero)
        {
            _timeLimitTimer.Change(Timeout.Infinite, Timeout.Infinite);
        }

        bool interrupted;
        lock (_gate)
        {
            interrupted = _stopRequested;
            _running = false;
            _stopRequested = false;
        }

        // The repeater only runs after an interrupt; a call that was never interrupted need not touch it.
        if (interrupted)
        {
            _interruptRepeater.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        _timeLimitTimer.Dispose();
        _interruptRepeater.Dispose();
        _engine.Dispose();
    }

    /// <summary>Interrupts the running call (from a timer or a cancelling thread); does nothing between calls.</summary>
    private void Interrupt(bool timedOut)
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            _timedOut |= timedOut;
            _stopRequested = true;
            _engine.Interrupt();
            // An interrupt that lands while the engine thread is between two pieces of script code (loading a
            // module, entering the call) is lost; repeat it until the call ends.
            _interruptRepeater.Change(InterruptRepeat, InterruptRepeat);
        }
    }

    private void RepeatInterrupt()
    {
        lock (_gate)
        {
            if (_running && _stopRequested)
            {
                _engine.Interrupt();
            }
        }
    }

    /// <summary>Before entering script code: a call that was already interrupted does not start more.</summary>
    private void ThrowIfStopRequested(CancellationToken cancellation)
    {
        bool stop;
        lock (_gate)
        {
            stop = _running && _stopRequested;
        }

        if (stop)
        {
            throw Interrupted(new OperationCanceledException(), cancellation);
        }
    }

    /// <summary>Invokes a glue function with one string (or none) and translates V8's exceptions into the seam's failure contract.</summary>
    private string Invoke(ScriptObject function, string? argument, CancellationToken cancellation)
    {
        ThrowIfStopRequested(cancellation);
        try
        {
            var answer = argument is null ? function.Invoke(false) : function.Invoke(false, argument);
            return answer as string ?? throw new InvalidOperationException("the V8 glue answered " + (answer?.GetType().Name ?? "null") + " instead of a string");
        }
        catch (ScriptInterruptedException ex)
        {
            throw Interrupted(ex, cancellation);
        }
        catch (ScriptEngineException ex)
        {
            throw Translate(ex, cancellation);
        }
    }

    private Exception Interrupted(Exception ex, CancellationToken cancellation)
    {
        bool timedOut;
        lock (_gate)
        {
            timedOut = _timedOut;
        }

        return timedOut && !cancellation.IsCancellationRequested
            ? new TimeoutException("the script ran longer than the engine time limit", ex)
            : new OperationCanceledException("the task was cancelled", ex, cancellation);
    }

    private Exception Translate(ScriptEngineException ex, CancellationToken cancellation)
    {
        var message = ex.Message;
        if (ex.IsFatal && message.Contains("memory limit", StringComparison.Ordinal))
        {
            return new EngineLimitExceededException(LimitKind.Memory, ex);
        }

        if (message.StartsWith("RangeError: Maximum call stack size exceeded", StringComparison.Ordinal)
            || message.Contains("stack usage limit", StringComparison.Ordinal)
            || message.Contains("potential stack overflow", StringComparison.Ordinal))
        {
            return _stackLimitMessage is { } stackLimit
                ? new EngineLimitExceededException(LimitKind.Recursion, stackLimit, ex)
                : new EngineLimitExceededException(LimitKind.Recursion, ex);
        }

        if (ex.IsFatal)
        {
            // Not a script failure: the worker crashes and gets a new engine.
            return ex;
        }

        if (message.Contains("interrupted by host", StringComparison.Ordinal))
        {
            return Interrupted(ex, cancellation);
        }

        return ToScriptError(ex);
    }

    private static ScriptErrorException ToScriptError(ScriptEngineException ex)
    {
        string? message = null, stack = null;
        switch (ex.ScriptExceptionAsObject)
        {
            case ScriptObject error:
                message = error.GetProperty("message") as string;
                stack = error.GetProperty("stack") as string;
                break;
            case string text:
                message = text;
                break;
            case { } value and not Undefined:
                message = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
        }

        return new ScriptErrorException(message ?? ex.Message, stack ?? NullIfEmpty(ex.ErrorDetails), ex);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private ScriptObject GetNamespace(string name)
    {
        if (_namespaces.TryGetValue(name, out var ns))
        {
            return ns;
        }

        var module = _catalog.Get(name);
        var info = new DocumentInfo(name) { Category = ModuleCategory.Standard };
        using var script = Compile(module, info);
        _loader.Add(name, new StringDocument(info, module.Code));
        try
        {
            ThrowIfStopRequested(CancellationToken.None);
            _engine.Evaluate(script);
            // The namespace object is what callers need; a one-line module hands it over.
            var probe = new DocumentInfo("actorpool-namespace:" + name) { Category = ModuleCategory.Standard };
            ns = (ScriptObject)_engine.Evaluate(probe, $"import * as ns from {JsonSerializer.Serialize(name)}; import.meta.setResult(ns);");
        }
        catch (ScriptInterruptedException ex)
        {
            throw Interrupted(ex, CancellationToken.None);
        }
        catch (ScriptEngineException ex) when (Translate(ex, CancellationToken.None) is ScriptErrorException error)
        {
            throw new ModuleLoadException(name, ModuleLoadFailure.EvaluationError, $"module '{name}' threw while loading: {error.Message}", error);
        }
        catch (ScriptEngineException ex)
        {
            throw Translate(ex, CancellationToken.None);
        }

        _namespaces[name] = ns;
        return ns;
    }

    /// <summary>Compiles <paramref name="module"/>, from the pool's code cache when an engine already compiled this version.</summary>
    private V8Script Compile(PreparedModule module, DocumentInfo info)
    {
        try
        {
            var cached = _codeCache.Find(module);
            if (cached is not null)
            {
                var script = _engine.Compile(info, module.Code, V8CacheKind.Code, ref cached, out var result);
                if (result is V8CacheResult.Accepted or V8CacheResult.Verified)
                {
                    _codeCache.Hit();
                }
                else if (result == V8CacheResult.Updated)
                {
                    _codeCache.Store(module, cached);
                }

                return script;
            }

            var compiled = _engine.Compile(info, module.Code, V8CacheKind.Code, out byte[] bytes);
            _codeCache.Store(module, bytes);
            return compiled;
        }
        catch (ScriptEngineException ex) when (!ex.IsFatal)
        {
            throw new ModuleLoadException(module.Name, ModuleLoadFailure.SyntaxError, $"module '{module.Name}' does not parse: {ex.Message}", ex);
        }
    }

    private ScriptObject GetFunction(string module, string function)
    {
        if (_functions.TryGetValue((module, function), out var fn))
        {
            return fn;
        }

        var ns = GetNamespace(module);
        var exported = _lookup.Invoke(false, ns, function) as ScriptObject ?? throw new FunctionNotFoundException(module, function);
        fn = (ScriptObject)_bind.Invoke(false, exported);
        _functions[(module, function)] = fn;
        return fn;
    }
}
