using System.Diagnostics;
using System.Text;

namespace ActorPool.Gateway.Tests.Deploy;

/// <summary>
/// What the deployment specs share: the repository root, and one run of <c>build.ps1 publish</c> (the self-contained
/// single-file gateway in artifacts/gateway/linux-x64), made once per test run and used by the binary spec and the
/// image spec alike.
/// </summary>
public sealed class DeployArtifacts
{
    private readonly Lazy<Task<string>> _publish;

    public DeployArtifacts() => _publish = new(() => PublishAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The directory that holds ActorPool.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>artifacts/gateway/linux-x64, as <c>build.ps1 publish</c> wrote it.</summary>
    public static string PublishDirectory => Path.Combine(RepositoryRoot, "artifacts", "gateway", "linux-x64");

    /// <summary>How long <c>build.ps1 publish</c> took (reported by the specs).</summary>
    public TimeSpan PublishTime { get; private set; }

    /// <summary>Runs <c>build.ps1 publish</c> once; the path of the single-file binary.</summary>
    public Task<string> PublishedBinaryAsync() => _publish.Value;

    /// <summary>Runs <paramref name="file"/> to its end (at most <paramref name="max"/>); exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan max, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        // `dotnet test` exports MSBuild variables that would point a child build at the test host's MSBuild.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(max);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                return (-1, $"{file} {string.Join(' ', arguments)} did not finish within {max}:\n{output}");
            }
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>Runs the repository's build script through the local tool manifest, as the README says.</summary>
    public static Task<(int ExitCode, string Output)> BuildScriptAsync(TimeSpan max, params string[] arguments) =>
        RunAsync("dotnet", ["pwsh", "-NoProfile", "-File", Path.Combine(RepositoryRoot, "build.ps1"), .. arguments], max);

    private async Task<string> PublishAsync()
    {
        var clock = Stopwatch.StartNew();
        var (exit, output) = await BuildScriptAsync(TimeSpan.FromMinutes(15), "publish");
        PublishTime = clock.Elapsed;
        Assert.True(exit == 0, "build.ps1 publish failed:\n" + output);
        var binary = Path.Combine(PublishDirectory, "ActorPool.Gateway");
        Assert.True(File.Exists(binary), "build.ps1 publish wrote no " + binary + ":\n" + output);
        return binary;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorPool.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no ActorPool.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>The deployment specs run one after another (each builds or starts whole gateways) and share one publish.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeploySerial : ICollectionFixture<DeployArtifacts>
{
    public const string Name = "Deploy";
}
