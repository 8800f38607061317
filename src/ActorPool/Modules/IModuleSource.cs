namespace ActorPool.Modules;

/// <summary>
/// Where a pool finds its JavaScript modules by name. Implementations must be thread-safe: engine threads
/// ask concurrently. A module is an ES module whose exported functions tasks may call.
/// </summary>
public interface IModuleSource
{
    /// <summary>
    /// Looks up a module. Returns null when no module has that name. The returned
    /// <see cref="ModuleText.Version"/> changes whenever the code changes, so prepared code can be re-used
    /// until then.
    /// </summary>
    /// <param name="name">A module name that passed <see cref="ModuleNames.IsValid"/>.</param>
    ModuleText? Find(string name);
}

/// <summary>
/// A module source that drops modules (e.g. a bounded cache of generated modules). A <see cref="ModuleCatalog"/>
/// over it forgets the prepared code of a dropped module, so memory stays bounded by the source's own bound.
/// </summary>
public interface IEvictingModuleSource : IModuleSource
{
    /// <summary>Raised with a module's name after the source dropped it. Handlers must be quick and thread-safe.</summary>
    event Action<string>? ModuleEvicted;
}

/// <summary>The code of one module and a version stamp that changes with the code.</summary>
/// <param name="Name">The module name.</param>
/// <param name="Code">The ES module source.</param>
/// <param name="Version">A stamp that differs between two different codes of the same module.</param>
public sealed record ModuleText(string Name, string Code, string Version);

/// <summary>Rules for module and function names (they travel in messages and URLs).</summary>
public static class ModuleNames
{
    /// <summary>Longest module or function name accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// True when <paramref name="name"/> is 1..128 characters of ASCII letters, digits, <c>_</c>, <c>-</c>,
    /// <c>.</c> and <c>$</c>, not starting with a dot (so a name can never walk a directory tree).
    /// </summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] == '.')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '$'))
            {
                return false;
            }
        }

        return true;
    }
}
