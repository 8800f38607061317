using System.Reflection;
using System.Text.RegularExpressions;

namespace ActorPool.Packaging.Tests;

/// <summary>
/// Packs the repository's packages once into a temporary folder feed, under a version of their own, so a package
/// restored here can never be a stale copy from the machine's package cache. Removes the feed and the restored
/// copies afterwards.
/// </summary>
public sealed partial class PackedFeed : IAsyncLifetime
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    public string RepoRoot { get; } = FindRepoRoot();

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "actorpool-packaging-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; private set; } = "";

    public string Configuration { get; } =
        typeof(PackedFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BuildConfiguration").Value!;

    /// <summary>The package ids every pack must produce: each packable project under src/.</summary>
    public IReadOnlyList<string> ExpectedPackages { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var props = await File.ReadAllTextAsync(Path.Combine(RepoRoot, "Directory.Build.props"));
        var prefix = VersionPrefix().Match(props) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no VersionPrefix in Directory.Build.props");
        Version = $"{prefix}-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

        // Every project under src/ is a package except those that opt out (the gateway is an application).
        ExpectedPackages = Directory.GetDirectories(Path.Combine(RepoRoot, "src"))
            .Select(d => (Dir: d, Project: Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Where(p => File.Exists(p.Project) && !File.ReadAllText(p.Project).Contains("<IsPackable>false</IsPackable>", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(p.Dir))
            .Order(StringComparer.Ordinal)
            .ToList();

        var pack = await DotnetCli.RunAsync(RepoRoot, StepTimeout,
            "pack", "ActorPool.sln", "-c", Configuration, "--no-build", "--disable-build-servers", "-o", Feed, $"-p:PackageVersion={Version}");
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
    }

    public Task DisposeAsync()
    {
        TryDelete(Root);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in ExpectedPackages)
        {
            TryDelete(Path.Combine(cache, id.ToLowerInvariant(), Version));
        }

        return Task.CompletedTask;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup; a failed cleanup is not a failed test.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorPool.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ActorPool.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
