using System.Diagnostics;
using ActorPool.Protocol;

namespace ActorPool.Telemetry;

/// <summary>
/// The pool's side of tracing: the <c>actorpool.task</c> span of each accepted task, started from the trace
/// context in <see cref="RunScript"/> and ended when the task is answered. Every method is a no-op (one branch)
/// while nobody listens to <see cref="PoolTelemetry.ActivitySource"/>. None of them changes
/// <see cref="Activity.Current"/> for the caller: an actor thread must not carry one task's span into the next message.
/// </summary>
internal static class TaskTracing
{
    // W3C tracestate allows at most 32 list members; vendors may drop anything longer than 512 characters.
    private const int MaxTraceStateLength = 512;

    /// <summary>Starts the span of a task the pool accepted, or returns null when nobody listens.</summary>
    public static Activity? Accepted(RunScript run)
    {
        var source = PoolTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        var traceState = run.TraceState is { Length: <= MaxTraceStateLength } state ? state : null;
        var parent = run.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context)
            ? context
            : default;
        var previous = Activity.Current;
        var activity = source.StartActivity(PoolTelemetry.TaskSpanName, ActivityKind.Consumer, parent);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(PoolTelemetry.TaskIdAttribute, run.TaskId);
            activity.SetTag(PoolTelemetry.ModuleAttribute, run.Module);
            activity.SetTag(PoolTelemetry.FunctionAttribute, run.Function);
        }

        return activity;
    }

    /// <summary>Marks the moment a worker starts the task: its wait ends and its run begins.</summary>
    public static void Started(Activity? activity, TimeSpan waited)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        var wait = waited.TotalMilliseconds;
        activity.SetTag(PoolTelemetry.WaitAttribute, wait);
        activity.AddEvent(new ActivityEvent(PoolTelemetry.StartedEventName, tags: new ActivityTagsCollection { [PoolTelemetry.WaitAttribute] = wait }));
    }

    /// <summary>Records the task's answer on its span and ends it.</summary>
    public static void Settled(Activity? activity, IScriptReply reply)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            Outcome(activity, reply);
        }

        Stop(activity);
    }

    /// <summary>Sets the outcome attributes and status of <paramref name="activity"/> from <paramref name="reply"/>.</summary>
    public static void Outcome(Activity activity, IScriptReply reply)
    {
        if (reply is ScriptFailed failed)
        {
            var kind = PoolMetrics.Snake(failed.Kind);
            activity.SetTag(PoolTelemetry.OutcomeAttribute, kind);
            activity.SetTag(PoolTelemetry.FailureKindAttribute, kind);
            activity.SetStatus(ActivityStatusCode.Error, failed.Message);
        }
        else
        {
            activity.SetTag(PoolTelemetry.OutcomeAttribute, "succeeded");
        }
    }

    /// <summary>Ends <paramref name="activity"/> without touching the caller's <see cref="Activity.Current"/>.</summary>
    public static void Stop(Activity activity)
    {
        var previous = Activity.Current;
        activity.Stop();
        Activity.Current = previous;
    }
}
