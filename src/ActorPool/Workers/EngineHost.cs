using System.Collections.Concurrent;
using ActorPool.Engines;

namespace ActorPool.Workers;

/// <summary>
/// The dedicated thread that owns one worker's engine. Work is posted to it and runs there, one item at a
/// time, so the engine is only ever touched by this thread and the worker's mailbox stays responsive while a
/// script runs. The thread has a large stack for deep (but allowed) recursion.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The engine thread owns the queue and disposes it when it ends; Stop() is the disposal signal.")]
internal sealed class EngineHost : IEngineHost
{
    private readonly BlockingCollection<Action<IEngineHost>> _work = new(new ConcurrentQueue<Action<IEngineHost>>());
    private readonly Func<IScriptEngine> _factory;
    private readonly Action<Exception> _onFault;
    private IScriptEngine? _engine;

    public EngineHost(string name, int stackSize, Func<IScriptEngine> factory, Action<Exception> onFault)
    {
        _factory = factory;
        _onFault = onFault;
        var thread = new Thread(Loop, stackSize)
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
    }

    /// <summary>The engine; only valid on the engine thread, after <see cref="CreateEngine"/>.</summary>
    public IScriptEngine Engine => _engine ?? throw new InvalidOperationException("The engine has not been created.");

    /// <summary>True once <see cref="Stop"/> was called: work still running must not report anything.</summary>
    public bool IsStopped => _work.IsAddingCompleted;

    /// <summary>Runs <paramref name="item"/> on the engine thread after the items posted before it.</summary>
    public void Post(Action<IEngineHost> item)
    {
        try
        {
            _work.Add(item);
        }
        catch (InvalidOperationException)
        {
            // Stopped: the worker is gone and nobody waits for the result.
        }
    }

    /// <summary>Creates (or replaces) the engine. Engine thread only.</summary>
    public void CreateEngine()
    {
        var old = _engine;
        _engine = null;
        old?.Dispose();
        _engine = _factory();
    }

    /// <summary>Lets the thread finish its current item, dispose the engine and end.</summary>
    public void Stop() => _work.CompleteAdding();

    private void Loop()
    {
        try
        {
            foreach (var item in _work.GetConsumingEnumerable())
            {
                try
                {
                    item(this);
                }
#pragma warning disable CA1031 // An exception escaping this thread would end the process; the worker crashes instead.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _onFault(ex);
                }
            }
        }
        finally
        {
            _engine?.Dispose();
            _engine = null;
            _work.Dispose();
        }
    }
}
