using System.Collections.Concurrent;
using ActorPool.Protocol;
using Akka.Actor;

namespace ActorPool;

/// <summary>
/// One actor reference that receives the replies of every call made through a facade and completes the
/// matching task. It is not an actor (no mailbox, no thread hop): a reply completes its task directly, and
/// the task runs continuations asynchronously, so caller code never runs on the thread that delivered it.
/// Registered as a temporary actor so that replies from remote pools find it too.
/// </summary>
internal sealed class ReplySink : MinimalActorRef
{
    private readonly ConcurrentDictionary<string, IPendingReply> _pending = new(StringComparer.Ordinal);

    public ReplySink(IActorRefProvider provider, ActorPath path)
    {
        Provider = provider;
        Path = path;
    }

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider { get; }

    public int PendingCount => _pending.Count;

    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the supervisor is known to have terminated.</summary>
    public bool SupervisorGone => _gone.Task.IsCompleted;

    /// <summary>Completes when the supervisor is known to have terminated (for calls that cannot register here).</summary>
    public Task Gone => _gone.Task;

    /// <summary>Records that the supervisor terminated; call before <see cref="FailAll"/>.</summary>
    public void MarkSupervisorGone() => _gone.TrySetResult();

    /// <summary>Waits for the reply to <paramref name="taskId"/> as it comes.</summary>
    public TaskCompletionSource<IScriptReply> Register(string taskId) => Add(taskId, new RawReply());

    /// <summary>
    /// Waits for the reply to <paramref name="taskId"/> as the caller's result: the task ends with the
    /// <see cref="ScriptResult"/>, or faults with the failure's <see cref="ScriptPoolException"/> (one task per call,
    /// no continuation to unwrap the reply).
    /// </summary>
    public TaskCompletionSource<ScriptResult> RegisterResult(string taskId) => Add(taskId, new ResultReply());

    private T Add<T>(string taskId, T completion)
        where T : IPendingReply
    {
        if (!_pending.TryAdd(taskId, completion))
        {
            throw new InvalidOperationException($"task id '{taskId}' is already pending");
        }

        return completion;
    }

    public void Forget(string taskId) => _pending.TryRemove(taskId, out _);

    /// <summary>Completes every pending call with <paramref name="kind"/> (the pool is gone).</summary>
    public void FailAll(FailureKind kind, string message)
    {
        foreach (var taskId in _pending.Keys)
        {
            if (_pending.TryRemove(taskId, out var completion))
            {
                completion.Complete(new ScriptFailed(taskId, kind, message));
            }
        }
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is IScriptReply reply && _pending.TryRemove(reply.TaskId, out var completion))
        {
            completion.Complete(reply);
        }
    }

    /// <summary>A call waiting for its reply.</summary>
    private interface IPendingReply
    {
        void Complete(IScriptReply reply);
    }

    /// <summary>Completed with the reply itself; continuations run asynchronously (never on the thread that delivered it).</summary>
    private sealed class RawReply() : TaskCompletionSource<IScriptReply>(TaskCreationOptions.RunContinuationsAsynchronously), IPendingReply
    {
        public void Complete(IScriptReply reply) => TrySetResult(reply);
    }

    /// <summary>Completed with the caller's result or failure; continuations run asynchronously.</summary>
    private sealed class ResultReply() : TaskCompletionSource<ScriptResult>(TaskCreationOptions.RunContinuationsAsynchronously), IPendingReply
    {
        public void Complete(IScriptReply reply)
        {
            if (ScriptPool.TryUnwrap(reply, out var result, out var failure))
            {
                TrySetResult(result);
            }
            else
            {
                TrySetException(failure);
            }
        }
    }
}
