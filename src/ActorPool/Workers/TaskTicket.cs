namespace ActorPool.Workers;

/// <summary>
/// One task handed to a worker. Several threads race to decide its fate, and a compare-and-swap on its state
/// picks exactly one winner: the engine thread (starts it; finishes it), the worker (cuts it off on timeout or
/// cancel) and, for a held task, the supervisor (withdraws it before it started: cancel, expiry, requeue).
/// </summary>
/// <remarks>
/// <c>Held</c> → <c>Started</c> (the engine thread picked it up) or → <c>Withdrawn</c> (never ran);
/// <c>Started</c> → <c>Settled</c> (answered). A task handed to an idle worker starts out <c>Started</c>.
/// </remarks>
internal sealed class TaskTicket
{
    private const int Held = 0;
    private const int Started = 1;
    private const int Settled = 2;
    private const int Withdrawn = 3;
    private int _state;

    /// <summary>Creates a ticket for <paramref name="taskId"/>, held (waiting behind the worker's current task) or started.</summary>
    public TaskTicket(string taskId, bool held = false)
    {
        TaskId = taskId;
        ForHolding = held;
        _state = held ? Held : Started;
    }

    /// <summary>True when the supervisor handed the task over to be held behind a running one.</summary>
    public bool ForHolding { get; }

    public string TaskId { get; }

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Engine thread: true when it may run the held task (nobody withdrew it first).</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Held) == Held;

    /// <summary>True when the task never started and now never will: the caller answers it.</summary>
    public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Held) == Held;

    /// <summary>True once the task was withdrawn: it never started and never will.</summary>
    public bool IsWithdrawn => Volatile.Read(ref _state) == Withdrawn;

    /// <summary>True for the first caller only; every later caller must not answer the task.</summary>
    public bool TrySettle()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state is Settled or Withdrawn)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, Settled, state) == state)
            {
                return true;
            }
        }
    }
}
