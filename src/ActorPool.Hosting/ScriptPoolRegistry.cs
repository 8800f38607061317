using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorPool.Hosting;

/// <summary>
/// The pools (and cluster routers) started on one actor system by <c>WithScriptPool</c> or
/// <c>WithClusterScriptRouter</c>, by name. Dependency injection reaches their facades through it, because a pool
/// only exists once the actor system has started.
/// </summary>
public sealed class ScriptPoolRegistry : IExtension
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IScriptPool>> _pools = new(StringComparer.Ordinal);

    /// <summary>Returns the registry of <paramref name="system"/>.</summary>
    public static ScriptPoolRegistry For(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<ScriptPoolRegistry, ScriptPoolRegistryProvider>();
    }

    /// <summary>Completes when the pool named <paramref name="name"/> has started; faults if its start failed.</summary>
    public Task<IScriptPool> WhenStarted(string name) => Slot(name).Task;

    /// <summary>The pool named <paramref name="name"/>, or null while it has not started.</summary>
    public IScriptPool? TryGet(string name) =>
        _pools.TryGetValue(name, out var slot) && slot.Task.IsCompletedSuccessfully ? slot.Task.Result : null;

    internal void Started(string name, IScriptPool pool)
    {
        if (!Slot(name).TrySetResult(pool))
        {
            throw new InvalidOperationException($"A script pool named '{name}' was already started on this actor system; give each WithScriptPool (or WithClusterScriptRouter) a distinct name.");
        }
    }

    internal void Failed(string name, Exception error) => Slot(name).TrySetException(error);

    private TaskCompletionSource<IScriptPool> Slot(string name) =>
        _pools.GetOrAdd(name, static _ => new TaskCompletionSource<IScriptPool>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Creates the <see cref="ScriptPoolRegistry"/> extension.</summary>
internal sealed class ScriptPoolRegistryProvider : ExtensionIdProvider<ScriptPoolRegistry>
{
    public override ScriptPoolRegistry CreateExtension(ExtendedActorSystem system) => new();
}
