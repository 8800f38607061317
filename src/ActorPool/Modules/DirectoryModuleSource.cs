using System.Collections.Concurrent;
using System.Globalization;

namespace ActorPool.Modules;

/// <summary>
/// Modules read from a directory: module <c>name</c> is the file <c>name.mjs</c> or <c>name.js</c> directly in
/// it (no subdirectories). A file is re-read only when its size or modification time changes.
/// </summary>
public sealed class DirectoryModuleSource : IModuleSource
{
    private static readonly string[] s_extensions = [".mjs", ".js"];
    private readonly ConcurrentDictionary<string, ModuleText> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates a source over <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public DirectoryModuleSource(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new DirectoryNotFoundException($"The modules directory '{Directory}' does not exist; create it or point the pool at another one.");
        }
    }

    /// <summary>The full path of the directory.</summary>
    public string Directory { get; }

    /// <summary>The names of the modules in the directory now.</summary>
    public IReadOnlyList<string> List() =>
        [.. System.IO.Directory.EnumerateFiles(Directory)
            .Where(f => s_extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(ModuleNames.IsValid)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public ModuleText? Find(string name)
    {
        if (!ModuleNames.IsValid(name))
        {
            return null;
        }

        foreach (var extension in s_extensions)
        {
            var info = new FileInfo(Path.Combine(Directory, name + extension));
            if (!info.Exists)
            {
                continue;
            }

            var version = string.Create(CultureInfo.InvariantCulture, $"{info.LastWriteTimeUtc.Ticks}:{info.Length}");
            if (_cache.TryGetValue(name, out var cached) && cached.Version == version)
            {
                return cached;
            }

            var text = new ModuleText(name, File.ReadAllText(info.FullName), version);
            _cache[name] = text;
            return text;
        }

        _cache.TryRemove(name, out _);
        return null;
    }
}
