using ActorPool.Engines;

namespace ActorPool.Workers;

/// <summary>
/// The dedicated thread that owns one worker's engine. Work is posted to it and runs there, one item at a
/// time, so the engine is only ever touched by this thread and the worker's mailbox stays responsive while a
/// script runs. The thread has a large stack for deep (but allowed) recursion.
/// </summary>
/// <remarks>
/// The queue is a plain queue under a lock with <see cref="Monitor.Wait(object)"/> rather than a
/// <c>BlockingCollection</c>: a worker posts one task at a time, so the engine thread waits after every task,
/// and <c>BlockingCollection</c>'s <c>SemaphoreSlim</c> spins before it blocks. That spin burns the CPU the
/// supervisor and worker need to produce the next task (measured with bench/ActorPool.Bench on 2 cores).
/// </remarks>
internal sealed class EngineHost
{
    private readonly Queue<Action<EngineHost>> _work = new();
    private readonly Func<IScriptEngine> _factory;
    private readonly Action<Exception> _onFault;
    private IScriptEngine? _engine;
    private volatile bool _stopped;

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
    public bool IsStopped => _stopped;

    /// <summary>Runs <paramref name="item"/> on the engine thread after the items posted before it.</summary>
    public void Post(Action<EngineHost> item)
    {
        lock (_work)
        {
            if (_stopped)
            {
                // Stopped: the worker is gone and nobody waits for the result.
                return;
            }

            _work.Enqueue(item);
            Monitor.Pulse(_work);
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
    public void Stop()
    {
        lock (_work)
        {
            _stopped = true;
            Monitor.Pulse(_work);
        }
    }

    private void Loop()
    {
        try
        {
            while (Next() is { } item)
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
        }
    }

    /// <summary>The next item, waiting for one; null once stopped and every item posted before is done.</summary>
    private Action<EngineHost>? Next()
    {
        lock (_work)
        {
            while (_work.Count == 0)
            {
                if (_stopped)
                {
                    return null;
                }

                Monitor.Wait(_work);
            }

            return _work.Dequeue();
        }
    }
}
