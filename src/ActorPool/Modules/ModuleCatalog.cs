using System.Collections.Concurrent;
using Acornima;
using Jint;

namespace ActorPool.Modules;

/// <summary>
/// Parses each module once per process and shares the result: Jint's <see cref="Prepared{T}"/> is immutable
/// and thread-safe, an <see cref="Engine"/> is not. Concurrent first uses of a module share one parse
/// (single-flight); a failed parse is not kept, so a fixed module is picked up by the next load.
/// </summary>
public sealed class ModuleCatalog
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
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

    /// <summary>How many parses this catalog has run (for diagnostics and tests).</summary>
    public long Preparations => Interlocked.Read(ref _preparations);

    /// <summary>Returns the prepared module <paramref name="name"/>, parsing it if this version was not parsed yet.</summary>
    /// <exception cref="ModuleLoadException">The module does not exist or does not parse.</exception>
    public PreparedModule Get(string name)
    {
        var text = Source.Find(name)
            ?? throw new ModuleLoadException(name, ModuleLoadFailure.NotFound, $"module '{name}' was not found");

        {
            var entry = _entries.AddOrUpdate(
                name,
                static (_, arg) => new Entry(arg.Catalog, arg.Text),
                static (_, existing, arg) => existing.Text.Version == arg.Text.Version ? existing : new Entry(arg.Catalog, arg.Text),
                (Catalog: this, Text: text));
            try
            {
                return entry.Prepared.Value;
            }
            catch (ModuleLoadException)
            {
                // Forget the failure so that the next load (perhaps of fixed code) parses again.
                _entries.TryRemove(new KeyValuePair<string, Entry>(name, entry));
                throw;
            }
        }
    }

    /// <summary>
    /// Forgets the prepared code of module <paramref name="name"/> (its source dropped it); the next use reads the
    /// source again. Engines that loaded it keep their copy until they retire. Returns false when nothing was held.
    /// </summary>
    public bool Remove(string name) => _entries.TryRemove(name, out _);

    private PreparedModule Prepare(ModuleText text)
    {
        Interlocked.Increment(ref _preparations);
        try
        {
            var prepared = Engine.PrepareModule(text.Code, text.Name);
            return new PreparedModule(text.Name, text.Version, prepared);
        }
#pragma warning disable CA1031 // Jint wraps parse errors in its own exception type; every preparation failure means "does not parse".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var parseError = ex as ParseErrorException ?? ex.InnerException as ParseErrorException;
            throw new ModuleLoadException(text.Name, ModuleLoadFailure.SyntaxError, $"module '{text.Name}' does not parse: {(parseError ?? ex).Message}", ex);
        }
    }

    private sealed class Entry
    {
        public Entry(ModuleCatalog catalog, ModuleText text)
        {
            Text = text;
            Prepared = new Lazy<PreparedModule>(() => catalog.Prepare(text), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public ModuleText Text { get; }

        public Lazy<PreparedModule> Prepared { get; }
    }
}
