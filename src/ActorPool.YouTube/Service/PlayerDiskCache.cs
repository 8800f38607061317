using System.Text;

namespace ActorPool.YouTube.Service;

/// <summary>
/// Player scripts on disk, one file per <see cref="Players.PlayerIdentity.CacheKey"/>. Files are written to a
/// temporary name and renamed into place, so a reader never sees half a player; a read marks the entry as used
/// (its modification time), and entries unused for longer than the retention are removed at start.
/// </summary>
internal sealed class PlayerDiskCache
{
    private const string Extension = ".js";
    private const string TempMarker = ".tmp-";

    public PlayerDiskCache(string directory, TimeSpan retention, TimeProvider time)
    {
        Directory = directory;
        Time = time;
        System.IO.Directory.CreateDirectory(directory);
        Prune(retention);
    }

    public string Directory { get; }

    private TimeProvider Time { get; }

    /// <summary>The default directory: <c>$XDG_CACHE_HOME/actorpool/players</c>, else <c>~/.cache/actorpool/players</c>.</summary>
    public static string DefaultDirectory(string? xdgCacheHome)
    {
        var root = string.IsNullOrWhiteSpace(xdgCacheHome)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdgCacheHome;
        return Path.Combine(root, "actorpool", "players");
    }

    public int Count() => System.IO.Directory.EnumerateFiles(Directory, "*" + Extension).Count();

    public string? TryRead(string cacheKey)
    {
        var path = PathOf(cacheKey);
        try
        {
            var text = File.ReadAllText(path, Encoding.UTF8);
            File.SetLastWriteTimeUtc(path, Time.GetUtcNow().UtcDateTime);
            return text;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(string cacheKey, string source)
    {
        var path = PathOf(cacheKey);
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = Encoding.UTF8.GetBytes(source);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public void Delete(string cacheKey)
    {
        File.Delete(PathOf(cacheKey));
    }

    private void Prune(TimeSpan retention)
    {
        var cutoff = Time.GetUtcNow().UtcDateTime - retention;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(file);
            var isTemp = name.Contains(TempMarker, StringComparison.Ordinal);
            if (isTemp || (name.EndsWith(Extension, StringComparison.Ordinal) && File.GetLastWriteTimeUtc(file) < cutoff))
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                    // Another instance may be using it; it is pruned next time.
                }
            }
        }
    }

    private string PathOf(string cacheKey) => Path.Combine(Directory, cacheKey + Extension);
}
