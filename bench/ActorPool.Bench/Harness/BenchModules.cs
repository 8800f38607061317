using System.Text;
using ActorPool.Modules;

namespace ActorPool.Bench;

/// <summary>Finds the repository's benchmark modules and generates the large one.</summary>
internal static class BenchModules
{
    public const string Transform = "transform";

    /// <summary>The 100-character argument of the tiny task (printable ASCII, no JSON escapes).</summary>
    public static string HundredChars { get; } = string.Concat(Enumerable.Range(0, 100).Select(i => (char)('a' + (i * 7 % 26))));

    /// <summary>The tiny task's arguments as the JSON array every runner sends.</summary>
    public static string ReverseArgs { get; } = "[\"" + HundredChars + "\"]";

    /// <summary>
    /// The repository root (the folder holding ActorPool.sln): above the program's own folder first (so a
    /// build inside one worktree never reads another's modules), then above the working folder.
    /// </summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string TransformPath => Path.Combine(RepoRoot, "bench", "modules", "transform.mjs");

    public static InMemoryModuleSource Source() =>
        new InMemoryModuleSource().Set(Transform, File.ReadAllText(TransformPath));

    /// <summary>
    /// A deterministic ES module of about <paramref name="bytes"/> bytes: many small exported functions, each
    /// with its own constants and a string literal, so parsing and module linking do real work. With
    /// <paramref name="exportAll"/> false only <c>f0</c> is exported and the rest are module-private.
    /// </summary>
    public static string Large(int bytes, bool exportAll = true)
    {
        var code = new StringBuilder(bytes + 512);
        for (var i = 0; code.Length < bytes; i++)
        {
            code.Append(exportAll || i == 0 ? "export function f" : "function f").Append(i).Append("(x) {\n")
                .Append("  const label = 'function number ").Append(i).Append(" of the generated module';\n")
                .Append("  let acc = x + ").Append(i * 31 % 1009).Append(";\n")
                .Append("  for (let k = 0; k < 3; k++) { acc = (acc * ").Append((i % 97) + 3).Append(" + k) % 1000003; }\n")
                .Append("  return acc + label.length;\n")
                .Append("}\n");
        }

        return code.ToString();
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ActorPool.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the benchmark from inside the repository (no ActorPool.sln found above the working folder).");
    }
}
