using System.Diagnostics;
using System.Globalization;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Deploy;

/// <summary>
/// The single-file gateway that <c>build.ps1 publish</c> makes (artifacts/gateway/linux-x64/ActorPool.Gateway), run
/// as a user would run a downloaded binary: no <c>dotnet</c> on the command line, its working directory elsewhere.
/// </summary>
[Collection(DeploySerial.Name)]
public sealed class SingleFileBinarySpec(DeployArtifacts artifacts, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Single_file_binary_should_serve_the_generic_and_yt_cipher_APIs_on_V8_and_drain_on_SIGTERM()
    {
        var binary = await artifacts.PublishedBinaryAsync();
        output.WriteLine($"build.ps1 publish: {artifacts.PublishTime.TotalSeconds:F1} s; binary {new FileInfo(binary).Length / 1048576.0:F1} MiB");
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        var port = GatewayProcess.FreePort();
        var start = new ProcessStartInfo(binary) { WorkingDirectory = cache.Path };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["SCRIPTS_DIR"] = DeployChecks.ModulesDirectory;
        start.Environment["YOUTUBE_BASE_URL"] = youtube.BaseUrl.ToString();
        start.Environment["XDG_CACHE_HOME"] = cache.Path;
        start.Environment["MAX_THREADS"] = "1";
        start.Environment["LOG_LEVEL"] = "warning";
        // Nothing from the test host's .NET may help the binary start: it carries its own runtime.
        start.Environment.Remove("DOTNET_ROOT");
        start.Environment.Remove("DOTNET_HOST_PATH");

        var clock = Stopwatch.StartNew();
        using var gateway = GatewayProcess.Launch(start, port);
        var ready = await DeployChecks.ReadyAfterAsync(gateway, clock);
        output.WriteLine($"start to ready: {ready.TotalSeconds:F2} s (machine shared, not a benchmark)");

        await DeployChecks.AssertServesAsync(gateway);
        // V8's native library travels beside the binary and loads from there (else the solver pool says jint).
        Assert.Equal("v8", await DeployChecks.SolverEngineAsync(gateway));
        Assert.DoesNotContain("V8", gateway.Output, StringComparison.Ordinal);
        await DeployChecks.AssertDrainsOnSigtermAsync(gateway, () => gateway.Signal(15));
        output.WriteLine($"whole spec: {clock.Elapsed.TotalSeconds:F1} s after the publish");
    }
}
