using ActorPool.Modules;

namespace ActorPool.Gateway;

/// <summary>
/// Looks a module up in the first source, then the second: YouTube solvers (built on this node) before the scripts
/// directory. Evictions of either source are passed on, so the pool's catalog forgets dropped modules.
/// </summary>
internal sealed class LayeredModuleSource : IEvictingModuleSource
{
    private readonly IModuleSource _first;
    private readonly IModuleSource _second;

    public LayeredModuleSource(IModuleSource first, IModuleSource second)
    {
        _first = first;
        _second = second;
        foreach (var source in new[] { first, second })
        {
            if (source is IEvictingModuleSource evicting)
            {
                evicting.ModuleEvicted += name => ModuleEvicted?.Invoke(name);
            }
        }
    }

    public event Action<string>? ModuleEvicted;

    public ModuleText? Find(string name) => _first.Find(name) ?? _second.Find(name);
}
