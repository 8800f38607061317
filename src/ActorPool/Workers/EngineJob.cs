using ActorPool.Protocol;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Workers;

/// <summary>
/// The calls of one engine job and how far its engine thread got with them: the one lock-free hand-off between a
/// worker and its own engine thread (nobody else sees it). Each call is <c>pending</c> until exactly one of the two
/// claims it with a compare-and-swap: the engine thread to start it (<see cref="TryBegin"/>, then
/// <see cref="End"/> publishes its reply), or the worker to withdraw it (<see cref="TryWithdraw"/>: cancelled
/// before it started, or never started because the job was cut off or stopped early).
/// </summary>
/// <remarks>
/// <para>Why not a message per call: the point of a job is to cross the threads once for many calls (issue 16); a
/// report per call would cost an actor message per call again. The worker still needs to know, at any moment,
/// which call is running and since when (its <c>ReceiveTimeout</c> is that call's run limit), and must be able to
/// take back calls that have not started (a cancel, a cut-off) without racing the engine thread into starting one
/// it has just answered "never started". The per-call state word gives both, with one owner per call at any time.
/// Pinned by <c>EngineJobSpec</c> (tests/ActorPool.Tests/Workers, including a race of both sides over every call) and
/// <c>BatchJobSpec</c> (tests/ActorPool.Tests/Pool), and driven step by step by <c>PoolModelSpec</c>.</para>
/// <para>Replies of calls the engine thread ended are written before their state (a volatile write), so the worker
/// reads them only after it saw the state; a withdrawn call's reply is written by the worker alone.</para>
/// </remarks>
internal sealed class EngineJob
{
    private const int Pending = 0;
    private const int Running = 1;
    private const int Ended = 2;
    private const int Withdrawn = 3;

    private readonly int[] _states;
    private readonly long[] _startedAtTicks;
    private readonly IScriptReply?[] _replies;

    public EngineJob(IReadOnlyList<JobCall> calls)
    {
        Calls = calls;
        _states = new int[calls.Count];
        _startedAtTicks = new long[calls.Count];
        _replies = new IScriptReply?[calls.Count];
    }

    /// <summary>The calls, in the order the engine thread runs them.</summary>
    public IReadOnlyList<JobCall> Calls { get; }

    /// <summary>The job's name: its first call's task id.</summary>
    public string Id => Calls[0].Command.TaskId;

    /// <summary>Engine thread: claims call <paramref name="index"/> to start it at <paramref name="now"/>; false when the worker withdrew it.</summary>
    public bool TryBegin(int index, DateTimeOffset now)
    {
        Volatile.Write(ref _startedAtTicks[index], now.UtcTicks);
        return Interlocked.CompareExchange(ref _states[index], Running, Pending) == Pending;
    }

    /// <summary>Engine thread: the call it started ended with <paramref name="reply"/>.</summary>
    public void End(int index, IScriptReply reply)
    {
        _replies[index] = reply;
        Volatile.Write(ref _states[index], Ended);
    }

    /// <summary>
    /// Worker: takes back call <paramref name="index"/> if it has not started; its answer is
    /// <paramref name="reply"/> (null: it goes back to the supervisor's queue).
    /// </summary>
    public bool TryWithdraw(int index, IScriptReply? reply)
    {
        if (Interlocked.CompareExchange(ref _states[index], Withdrawn, Pending) != Pending)
        {
            return false;
        }

        _replies[index] = reply;
        return true;
    }

    /// <summary>Worker: takes back every call that has not started (they go back to the queue); none starts after.</summary>
    public void WithdrawPending()
    {
        for (var i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) == Pending)
            {
                TryWithdraw(i, null);
            }
        }
    }

    /// <summary>Worker: the call the engine thread runs now, or -1.</summary>
    public int RunningIndex()
    {
        for (var i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) == Running)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Worker: the first call that has not started yet, or -1.</summary>
    public int FirstPending()
    {
        for (var i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) == Pending)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Worker: whether call <paramref name="index"/> is running now.</summary>
    public bool IsRunning(int index) => Volatile.Read(ref _states[index]) == Running;

    /// <summary>Worker: when the engine thread started call <paramref name="index"/> (valid once it saw it running).</summary>
    public DateTimeOffset StartedAt(int index) => new(Volatile.Read(ref _startedAtTicks[index]), TimeSpan.Zero);

    /// <summary>Worker: the position of the call with <paramref name="taskId"/>, or -1.</summary>
    public int IndexOf(string taskId)
    {
        for (var i = 0; i < Calls.Count; i++)
        {
            if (string.Equals(Calls[i].Command.TaskId, taskId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Worker, once nothing can start any more (after <see cref="WithdrawPending"/>): one entry per call, in order.
    /// A call still running is answered by <paramref name="running"/> (a cut-off, or the call the engine failed in);
    /// null entries never started. When nothing runs (the engine thread is done with the job) the job's own array is
    /// returned: neither side writes it again.
    /// </summary>
    public IReadOnlyList<IScriptReply?> Replies(Func<int, IScriptReply>? running)
    {
        if (running is null || RunningIndex() < 0)
        {
            return _replies;
        }

        var replies = new IScriptReply?[_states.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = Volatile.Read(ref _states[i]) switch
            {
                Running => running(i),
                _ => _replies[i],
            };
        }

        return replies;
    }
}
