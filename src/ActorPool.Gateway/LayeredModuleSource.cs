using ActorPool.Modules;

namespace ActorPool.Gateway;

/// <summary>Looks a module up in the first source, then the second: YouTube solvers (in memory) before the scripts directory.</summary>
internal sealed class LayeredModuleSource(IModuleSource first, IModuleSource second) : IModuleSource
{
    public ModuleText? Find(string name) => first.Find(name) ?? second.Find(name);
}
