using ActorPool.Telemetry;

namespace ActorPool.Tests.TestSupport;

/// <summary>A pool observer whose stages call the delegates a spec sets (unset ones do nothing).</summary>
internal sealed class DelegatingObserver : IPoolObserver
{
    /// <summary>Task id, time it waited in the queue, the caller's deadline.</summary>
    public Action<string, TimeSpan, TimeSpan?>? OnTaskDispatched { get; init; }

    /// <summary>Worker name, task id, tasks run so far (this one included), budget.</summary>
    public Action<string, string, int, int>? OnTaskStarted { get; init; }

    /// <summary>Task id, on the engine thread just before the engine call.</summary>
    public Action<string>? OnCallStarting { get; init; }

    /// <summary>Worker name, the job's first task id, its number of calls, when a worker posts a job to its engine thread.</summary>
    public Action<string, string, int>? OnJobStarted { get; init; }

    public void JobStarted(string worker, string firstTaskId, int calls) => OnJobStarted?.Invoke(worker, firstTaskId, calls);

    public void TaskDispatched(string taskId, TimeSpan waited, TimeSpan? deadline) => OnTaskDispatched?.Invoke(taskId, waited, deadline);

    public void TaskStarted(string worker, string taskId, int tasksRun, int budget) => OnTaskStarted?.Invoke(worker, taskId, tasksRun, budget);

    public void CallStarting(string taskId) => OnCallStarting?.Invoke(taskId);
}
