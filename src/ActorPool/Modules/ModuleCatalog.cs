using System.Collections.Concurrent;

namespace ActorPool.Modules;

/// <summary>
/// The modules of a pool, by name: the current version of each module's text, shared by every engine of the
/// process. Engines compile a version once and reuse it (Jint keeps one parse per version, made on first use
/// and shared by all Jint engines; V8 shares a code cache); a new version (changed code) is compiled again.
/// </summary>
public sealed class ModuleCatalog
{
    private readonly ConcurrentDictionary<string, PreparedModule> _entries = new(StringComparer.Ordinal);
    private long _preparations;

    /// <summary>Creates a catalog over <paramref name="source"/>.</summary>
    public ModuleCatalog(IModuleSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        if (source is IEvictingModuleSource evicting)
        {
            evicting.ModuleEvicted += name => Remove(name);
        }
    }

    /// <summary>Where module code comes from.</summary>
    public IModuleSource Source { get; }

    /// <summary>Modules whose prepared code is held now (for diagnostics and tests).</summary>
    public int Count => _entries.Count;

    /// <summary>How many Jint parses this catalog has run (for diagnostics and tests).</summary>
    public long Preparations => Interlocked.Read(ref _preparations);

    /// <summary>
    /// Returns the current version of module <paramref name="name"/>: the same instance until its code changes,
    /// so engines can key their compiled forms on it.
    /// </summary>
    /// <exception cref="ModuleLoadException">The module does not exist.</exception>
    public PreparedModule Get(string name)
    {
        var text = Source.Find(name)
            ?? throw new ModuleLoadException(name, ModuleLoadFailure.NotFound, $"module '{name}' was not found");
        return _entries.AddOrUpdate(
            name,
            static (_, arg) => new PreparedModule(arg.Text, arg.Catalog.CountPreparation),
            static (_, existing, arg) => existing.Version == arg.Text.Version ? existing : new PreparedModule(arg.Text, arg.Catalog.CountPreparation),
            (Catalog: this, Text: text));
    }

    private void CountPreparation() => Interlocked.Increment(ref _preparations);

    /// <summary>
    /// Forgets the prepared code of module <paramref name="name"/> (its source dropped it); the next use reads the
    /// source again. Engines that loaded it keep their copy until they retire. Returns false when nothing was held.
    /// </summary>
    public bool Remove(string name) => _entries.TryRemove(name, out _);
}
