using ActorPool.Engines;

namespace ActorPool.Workers;

/// <summary>
/// The dedicated thread that owns one worker's engine. Work is posted to it and runs there, one item at a
/// time, so the engine is only ever touched by this thread and the worker's mailbox stays responsive while a
/// script runs. The thread has a large stack for deep (but allowed) recursion.
/// </summary>
/// <remarks>
/// The hand-off is a queue under a lock with <see cref="Monitor.Wait(object)"/> / <see cref="Monitor.Pulse"/>: an
/// idle engine thread sleeps at once (no spinning with <c>sched_yield</c> as a <c>BlockingCollection</c>'s
/// semaphore does before it blocks), and a post wakes it only when it is asleep. One task is one post, so the
/// engine thread wakes once per task; the spin saved nothing, as the next task is never due within a spin.
/// See docs/architecture.md (threads of a request).
/// </remarks>
internal sealed class EngineHost : IEngineHost
{
    private readonly Queue<Action<IEngineHost>> _work = new();
    private readonly Func<IScriptEngine> _factory;
    private readonly Action<Exception> _onFault;
    private IScriptEngine? _engine;
    private bool _sleeping;
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
    public void Post(Action<IEngineHost> item)
    {
        lock (_work)
        {
            if (_stopped)
            {
                // Stopped: the worker is gone and nobody waits for the result.
                return;
            }

            _work.Enqueue(item);
            if (_sleeping)
            {
                Monitor.Pulse(_work);
            }
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

    /// <summary>Lets the thread finish the items posted so far, dispose the engine and end.</summary>
    public void Stop()
    {
        lock (_work)
        {
            _stopped = true;
            Monitor.Pulse(_work);
        }
    }

    /// <summary>The next item, sleeping while there is none; null once stopped and drained.</summary>
    private Action<IEngineHost>? Take()
    {
        lock (_work)
        {
            while (_work.Count == 0)
            {
                if (_stopped)
                {
                    return null;
                }

                _sleeping = true;
                Monitor.Wait(_work);
                _sleeping = false;
            }

            return _work.Dequeue();
        }
    }

    private void Loop()
    {
        try
        {
            while (Take() is { } item)
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
}
