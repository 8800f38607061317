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

    public int Count => _entries.Count;

    public byte[]? Find(PreparedModule module) =>
        _entries.TryGetValue(module.Name, out var entry) && entry.Version == module.Version ? entry.Bytes : null;

    public void Store(PreparedModule module, byte[]? bytes)
    {
        if (bytes is { Length: > 0 })
        {
            _entries[module.Name] = new Entry(module.Version, bytes);
        }
    }

    private sealed record Entry(string Version, byte[] Bytes);
}
