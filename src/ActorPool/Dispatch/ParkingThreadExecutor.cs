using System.Collections.Concurrent;
using Akka.Dispatch;

namespace ActorPool.Dispatch;

/// <summary>
/// An Akka executor with its own threads (<c>thread-count</c>, default 1) that run the mailboxes handed to them in
/// order, and sleep on a semaphore when there is nothing to run: no spinning, and no wake-up for a mailbox scheduled
/// while a thread is busy.
/// </summary>
/// <remarks>
/// The pool's actors do little per message (book-keeping and a hand-off; scripts run on engine threads), so what a
/// request costs on the default dispatcher is mostly the hops: each message to an idle actor queues a .NET
/// thread-pool work item, which wakes a pool thread, which spins with <c>sched_yield</c> before it sleeps again.
/// On these threads a supervisor→worker or worker→supervisor message is run by the thread that sent it, after the
/// sender's mailbox run, without waking anything. See docs/architecture.md (threads of a request).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore is disposed by the last thread to end after Shutdown, not by the dispatcher.")]
internal sealed class ParkingThreadExecutor : ExecutorService
{
    private readonly ConcurrentQueue<IRunnable> _queue = new();

    // Not a SemaphoreSlim or Monitor: both spin before sleeping, and a Monitor.Pulse inside the lock wakes the
    // sleeper up to three times here (the pulse, then the lock it must take back). One release, one wake-up.
    private readonly Semaphore _wake = new(0, int.MaxValue);

    // Threads committed to sleeping. A producer that takes one of them releases the semaphore once.
    private int _sleepers;
    private int _live;
    private volatile bool _shutdown;

    public ParkingThreadExecutor(string id, int threadCount)
        : base(id)
    {
        _live = threadCount;
        for (var i = 0; i < threadCount; i++)
        {
            var thread = new Thread(Loop)
            {
                IsBackground = true,
                Name = threadCount == 1 ? "actorpool-dispatcher" : $"actorpool-dispatcher-{i + 1}",
            };
            thread.Start();
        }
    }

    /// <inheritdoc />
    public override void Execute(IRunnable run)
    {
        if (_shutdown)
        {
            // The dispatcher retries once on its replacement executor.
            throw new RejectedExecutionException($"executor {Id} is shut down");
        }

        // Enqueue is an interlocked operation (a full fence), so the read of _sleepers below cannot move before it.
        _queue.Enqueue(run);
        WakeOne();
    }

    /// <summary>The threads run what was queued before, then end.</summary>
    public override void Shutdown()
    {
        _shutdown = true;
        var sleepers = Interlocked.Exchange(ref _sleepers, 0);
        if (sleepers > 0)
        {
            _wake.Release(sleepers);
        }
    }

    private void WakeOne()
    {
        var sleepers = Volatile.Read(ref _sleepers);
        while (sleepers > 0)
        {
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                try
                {
                    _wake.Release();
                }
                catch (ObjectDisposedException)
                {
                    // Shut down and every thread ended: nothing is left to wake.
                }

                return;
            }

            sleepers = seen;
        }
    }

    private void Loop()
    {
        while (true)
        {
            if (_queue.TryDequeue(out var run))
            {
                // A mailbox run handles its actor's failures itself; what escapes it is fatal, as on the thread pool.
                run.Run();
                continue;
            }

            if (_shutdown)
            {
                if (Interlocked.Decrement(ref _live) == 0)
                {
                    _wake.Dispose();
                }

                return;
            }

            // Commit to sleeping, then look once more: an item enqueued before the commit is seen here, one
            // enqueued after it finds the sleeper and releases the semaphore. A commit withdrawn after a producer
            // took it leaves one release behind, which only makes a later wait return at once.
            Interlocked.Increment(ref _sleepers);
            if (!_queue.IsEmpty || _shutdown)
            {
                WithdrawSleeper();
                continue;
            }

            _wake.WaitOne();
        }
    }

    private void WithdrawSleeper()
    {
        var sleepers = Volatile.Read(ref _sleepers);
        while (sleepers > 0)
        {
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                return;
            }

            sleepers = seen;
        }
    }
}
