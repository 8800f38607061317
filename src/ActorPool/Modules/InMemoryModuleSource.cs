using System.Collections.Concurrent;
using System.Globalization;

namespace ActorPool.Modules;

/// <summary>
/// Modules held in memory, e.g. generated code or tests. <see cref="Set"/> replaces a module's code; engines
/// that already loaded the old code keep it until they retire, new engines load the new code.
/// </summary>
public sealed class InMemoryModuleSource : IModuleSource
{
    private readonly ConcurrentDictionary<string, ModuleText> _modules = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Creates an empty source.</summary>
    public InMemoryModuleSource()
    {
    }

    /// <summary>Creates a source holding the given modules (name to ES module code).</summary>
    public InMemoryModuleSource(IEnumerable<KeyValuePair<string, string>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (name, code) in modules)
        {
            Set(name, code);
        }
    }

    /// <summary>Adds or replaces module <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid module name.</exception>
    public InMemoryModuleSource Set(string name, string code)
    {
        if (!ModuleNames.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid module name: use 1..{ModuleNames.MaxLength} letters, digits, '_', '-', '.', '$'.", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(code);
        var version = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        _modules[name] = new ModuleText(name, code, version);
        return this;
    }

    /// <summary>Removes module <paramref name="name"/>; returns false when it was not there.</summary>
    public bool Remove(string name) => _modules.TryRemove(name, out _);

    /// <inheritdoc />
    public ModuleText? Find(string name) => _modules.TryGetValue(name, out var text) ? text : null;
}
