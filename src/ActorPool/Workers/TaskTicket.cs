namespace ActorPool.Workers;

/// <summary>
/// The one task a worker has in flight. The engine thread (finished) and the worker actor (timed out or
/// cancelled) race to settle it; <see cref="Interlocked.CompareExchange(ref int, int, int)"/> picks exactly one.
/// </summary>
internal sealed class TaskTicket(string taskId)
{
    private const int Open = 0;
    private const int Closed = 1;
    private int _state;

    public string TaskId { get; } = taskId;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>True for the first caller only; every later caller must not answer the task.</summary>
    public bool TrySettle() => Interlocked.CompareExchange(ref _state, Closed, Open) == Open;
}
