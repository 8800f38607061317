using System.Collections.Concurrent;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;

namespace ActorPool.Tests.TestSupport;

/// <summary>
/// The test's handle on every <see cref="FakeEngine"/> it creates: what they were asked, and the switches that
/// make them fail to start, block, or never come back.
/// </summary>
internal sealed class FakeEngineControl
{
    private int _failCreates;
    private int _created;

    /// <summary>Each call's arguments, when an engine thread enters the call.</summary>
    public BlockingCollection<string> Entered { get; } = [];

    /// <summary>Each engine disposed (by number, 1-based).</summary>
    public ConcurrentQueue<int> Disposed { get; } = new();

    /// <summary>Releases every <c>hang</c> and <c>block</c> call (set it at the end of a test so engine threads end).</summary>
    public ManualResetEventSlim Release { get; } = new();

    private readonly ConcurrentDictionary<string, ManualResetEventSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>The gate a <c>gate</c> call with these arguments waits for.</summary>
    public ManualResetEventSlim Gate(string argsJson) => _gates.GetOrAdd(argsJson, _ => new ManualResetEventSlim());

    /// <summary>Engine creations wait for this gate (open by default; reset it to hold a worker in its start).</summary>
    public ManualResetEventSlim CreateGate { get; } = new(initialState: true);

    /// <summary>Engines created so far (including failed attempts).</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Makes the next <paramref name="count"/> engine creations throw.</summary>
    public void FailNextCreates(int count) => Volatile.Write(ref _failCreates, count);

    /// <summary>An engine factory for <see cref="Workers.WorkerSetup.EngineFactory"/>.</summary>
    public IScriptEngine Create()
    {
        CreateGate.Wait();
        var number = Interlocked.Increment(ref _created);
        if (Interlocked.Decrement(ref _failCreates) >= 0)
        {
            throw new InvalidOperationException($"fake engine {number} refused to start");
        }

        return new FakeEngine(this, number);
    }
}

/// <summary>
/// An engine whose calls do what their function name says, so worker and supervisor specs reach every state
/// without a real script: <c>echo</c> returns its arguments; <c>block</c> waits for
/// <see cref="FakeEngineControl.Release"/> but honours cancellation; <c>hang</c> waits for it and ignores
/// cancellation (an engine that does not come back); <c>gate</c> waits for the gate of its own arguments
/// (<see cref="FakeEngineControl.Gate"/>), honouring cancellation; <c>crash</c> throws what no engine failure maps to (the
/// worker crashes); <c>suspect</c> fails with an engine time limit (the engine must be replaced);
/// <c>missing</c> is a function the module does not export.
/// </summary>
internal sealed class FakeEngine(FakeEngineControl control, int number) : IScriptEngine
{
    private readonly HashSet<string> _modules = new(StringComparer.Ordinal);

    /// <summary>Which engine this is, counted from 1 by its control.</summary>
    public int Number { get; } = number;

    public int LoadedModuleCount => _modules.Count;

    public void EnsureModule(string name) => _modules.Add(name);

    public string Call(string module, string function, string argsJson, CancellationToken cancellation)
    {
        _modules.Add(module);
        control.Entered.Add(argsJson, CancellationToken.None);
        switch (function)
        {
            case "echo":
                return argsJson;
            case "block":
                control.Release.Wait(cancellation);
                return argsJson;
            case "gate":
                control.Gate(argsJson).Wait(cancellation);
                return argsJson;
            case "hang":
                control.Release.Wait(CancellationToken.None);
                return argsJson;
            case "crash":
                throw new NotSupportedException("the fake engine crashed");
            case "suspect":
                throw new TimeoutException("the fake engine hit its time limit");
            case "missing":
                throw new FunctionNotFoundException(module, function);
            default:
                throw new ArgumentException($"the fake engine has no behaviour named '{function}'", nameof(function));
        }
    }

    public void Dispose() => control.Disposed.Enqueue(Number);
}

/// <summary>The pool-level seam for fake engines: every engine it creates belongs to one control.</summary>
internal sealed class FakeEngineFactory(FakeEngineControl control) : IScriptEngineFactory
{
    /// <summary>The kind the pool's stats report for fake engines.</summary>
    public string Kind => "fake";

    public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => control.Create();
}
