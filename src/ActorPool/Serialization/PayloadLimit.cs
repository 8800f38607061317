using System.Globalization;
using ActorPool.Protocol;

namespace ActorPool.Serialization;

/// <summary>
/// Keeps messages that cross the network under <c>actor-pool.remote.max-payload</c>, so an oversized one is
/// answered with a clear failure instead of being dropped by the transport (Akka.Remote drops a frame over
/// <c>maximum-frame-size</c> and only logs it, so the caller would wait for its deadline).
/// </summary>
internal static class PayloadLimit
{
    private const string Advice = "send module names and small arguments across nodes, not scripts or bulk data, or raise actor-pool.remote.max-payload together with akka.remote.dot-netty.tcp.maximum-frame-size";

    /// <summary>The serialized size of <paramref name="message"/> when it is over <paramref name="limit"/>; null when it fits.</summary>
    public static int? Oversize(object message, long limit)
    {
        if (PoolMessageSerializer.UpperBoundSize(message) <= limit)
        {
            return null;
        }

        var size = PoolMessageSerializer.ComputeSize(message);
        return size > limit ? size : null;
    }

    /// <summary>The failure that refuses a request before it is sent to a remote pool.</summary>
    public static ScriptFailed RequestTooLarge(string taskId, int size, long limit) =>
        new(taskId, FailureKind.InvalidRequest, string.Create(CultureInfo.InvariantCulture, $"the request is {size} bytes serialized, over the limit of {limit} bytes for a pool on another node (actor-pool.remote.max-payload); it was not sent. {Advice}"));

    /// <summary>
    /// Returns <paramref name="reply"/> when it fits <paramref name="limit"/>; otherwise a reply that does: a result
    /// becomes an <see cref="FailureKind.InvalidRequest"/> failure, a failure loses its details and then the tail of its message.
    /// </summary>
    public static IScriptReply Fit(IScriptReply reply, long limit)
    {
        if (Oversize(reply, limit) is not { } size)
        {
            return reply;
        }

        switch (reply)
        {
            case ScriptSucceeded ok:
                return new ScriptFailed(ok.TaskId, FailureKind.InvalidRequest, string.Create(CultureInfo.InvariantCulture, $"the result is {size} bytes serialized, over the limit of {limit} bytes for a caller on another node (actor-pool.remote.max-payload); the function ran but its result could not be sent back. Return less data (a summary or a reference), or {Advice}"));
            case ScriptFailed failed:
                var trimmed = failed with { Details = string.Create(CultureInfo.InvariantCulture, $"(details of {failed.Details?.Length ?? 0} characters left out: the failure was over actor-pool.remote.max-payload = {limit} bytes)") };
                if (Oversize(trimmed, limit) is null)
                {
                    return trimmed;
                }

                // Three UTF-8 bytes per char at most, and room for the task id and the details note.
                var keep = (int)Math.Max(0, Math.Min(failed.Message.Length, (limit - 1024) / 3));
                return trimmed with { Message = failed.Message[..keep] + " (message cut)" };
            default:
                return reply;
        }
    }
}
