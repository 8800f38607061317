using System.Collections.Concurrent;
using ActorPool.Modules;

namespace ActorPool.Engines.V8;

/// <summary>
/// V8 code cache bytes per module, shared by every V8 engine of a pool: the first engine that loads a module
/// version compiles it and keeps the bytes, later engines compile from them (V8 checks them against the
/// source and ignores bytes that do not match). One entry per module name: a new version replaces the old.
/// </summary>
internal sealed class V8CodeCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _hits;
    private long _stores;

    public int Count => _entries.Count;

    /// <summary>Compilations that started from cached bytes (diagnostics and tests).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Bytes stored after a compilation without a usable cache (diagnostics and tests).</summary>
    public long Stores => Interlocked.Read(ref _stores);

    public byte[]? Find(PreparedModule module) =>
        _entries.TryGetValue(module.Name, out var entry) && entry.Version == module.Version ? entry.Bytes : null;

    /// <summary>Records that V8 accepted <see cref="Find"/>'s bytes.</summary>
    public void Hit() => Interlocked.Increment(ref _hits);

    public void Store(PreparedModule module, byte[]? bytes)
    {
        if (bytes is { Length: > 0 })
        {
            _entries[module.Name] = new Entry(module.Version, bytes);
            Interlocked.Increment(ref _stores);
        }
    }

    private sealed record Entry(string Version, byte[] Bytes);
}
