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
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IScriptReply>> _pending = new(StringComparer.Ordinal);

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

    public TaskCompletionSource<IScriptReply> Register(string taskId)
    {
        var completion = new TaskCompletionSource<IScriptReply>(TaskCreationOptions.RunContinuationsAsynchronously);
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
                completion.TrySetResult(new ScriptFailed(taskId, kind, message));
            }
        }
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is IScriptReply reply && _pending.TryRemove(reply.TaskId, out var completion))
        {
            completion.TrySetResult(reply);
        }
    }
}
