using ActorPool.Engines;

namespace ActorPool.Workers;

/// <summary>
/// Where one worker's engine lives and its jobs run, one at a time, in the order posted: a dedicated thread
/// (<see cref="EngineHost"/>) in a pool; a model-based spec runs the jobs itself, step by step.
/// </summary>
internal interface IEngineHost
{
    /// <summary>The engine; only valid inside a job, after <see cref="CreateEngine"/>.</summary>
    IScriptEngine Engine { get; }

    /// <summary>True once <see cref="Stop"/> was called: work still running must not report anything.</summary>
    bool IsStopped { get; }

    /// <summary>Runs <paramref name="item"/> after the items posted before it.</summary>
    void Post(Action<IEngineHost> item);

    /// <summary>Creates (or replaces) the engine. Inside a job only.</summary>
    void CreateEngine();

    /// <summary>Lets the current job finish, disposes the engine and ends.</summary>
    void Stop();
}
