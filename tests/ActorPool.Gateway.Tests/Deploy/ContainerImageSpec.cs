using System.Diagnostics;
using System.Globalization;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Deploy;

/// <summary>
/// The container image: <c>build.ps1 image</c> on the local Debian 12 base that ../shared/tools/container-base.sh
/// makes (no image registry is reachable here), run with host networking against the loopback YouTube. Reports
/// the size the app adds to its base and the time from <c>podman run</c> to ready.
/// </summary>
[Collection(DeploySerial.Name)]
public sealed class ContainerImageSpec(DeployArtifacts artifacts, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Tag = "localhost/actorpool-gateway:test";

    [Fact]
    public async Task Container_image_should_run_as_a_non_root_user_serve_the_APIs_and_drain_on_SIGTERM()
    {
        var clock = Stopwatch.StartNew();
        var baseScript = Path.GetFullPath(Path.Combine(DeployArtifacts.RepositoryRoot, "..", "shared", "tools", "container-base.sh"));
        Assert.True(File.Exists(baseScript), "the container base script is missing: expected " + baseScript);
        var (baseExit, baseOutput) = await DeployArtifacts.RunAsync("bash", [baseScript], TimeSpan.FromMinutes(10));
        Assert.True(baseExit == 0, "container-base.sh failed:\n" + baseOutput);
        var baseImage = baseOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        output.WriteLine($"base image {baseImage}: {clock.Elapsed.TotalSeconds:F1} s");

        await artifacts.PublishedBinaryAsync();
        output.WriteLine($"build.ps1 publish: {artifacts.PublishTime.TotalSeconds:F1} s");
        var build = Stopwatch.StartNew();
        var (imageExit, imageOutput) = await DeployArtifacts.BuildScriptAsync(TimeSpan.FromMinutes(10), "image", "-SkipPublish", "-Base", baseImage, "-Tag", Tag);
        Assert.True(imageExit == 0, "build.ps1 image failed:\n" + imageOutput);
        var added = await SizeAsync(Tag) - await SizeAsync(baseImage);
        output.WriteLine($"build.ps1 image: {build.Elapsed.TotalSeconds:F1} s; the app adds {added / 1048576.0:F0} MiB to its base");

        // The image's own settings: non-root, the health check on /health/ready.
        var (_, config) = await Podman("image", "inspect", "--format", "{{.Config.User}}|{{json .Config.Healthcheck}}|{{json .Config.Env}}", Tag);
        Assert.StartsWith("app|", config, StringComparison.Ordinal);
        Assert.Contains("/health/ready", config, StringComparison.Ordinal);
        Assert.Contains("HOST=0.0.0.0", config, StringComparison.Ordinal);
        Assert.Contains("XDG_CACHE_HOME=/var/cache/actorpool", config, StringComparison.Ordinal);

        await using var youtube = await FakeYouTube.StartAsync();
        var port = GatewayProcess.FreePort();
        var name = "actorpool-test-" + Guid.NewGuid().ToString("N")[..12];
        // Host networking: the container reaches the loopback YouTube and the test reaches the container on
        // 127.0.0.1; HOST keeps it on loopback. The test's modules are mounted read-only as SCRIPTS_DIR.
        var run = new ProcessStartInfo("podman",
        [
            "run", "--rm", "--name", name, "--network", "host",
            "-v", $"{DeployChecks.ModulesDirectory}:/modules:ro",
            "-e", "HOST=127.0.0.1",
            "-e", $"PORT={port.ToString(CultureInfo.InvariantCulture)}",
            "-e", "SCRIPTS_DIR=/modules",
            "-e", $"YOUTUBE_BASE_URL={youtube.BaseUrl}",
            "-e", "MAX_THREADS=1",
            "-e", "LOG_LEVEL=warning",
            Tag,
        ]);
        var started = Stopwatch.StartNew();
        using var container = GatewayProcess.Launch(run, port);
        try
        {
            var ready = await DeployChecks.ReadyAfterAsync(container, started);
            output.WriteLine($"podman run to ready: {ready.TotalSeconds:F2} s (machine shared, not a benchmark)");

            var (_, user) = await Podman("exec", name, "id", "-u");
            Assert.Equal("1654", user.Trim());
            var (healthExit, health) = await Podman("healthcheck", "run", name);
            Assert.True(healthExit == 0, "the image's HEALTHCHECK failed: " + health);

            await DeployChecks.AssertServesAsync(container);
            Assert.Equal("v8", await DeployChecks.SolverEngineAsync(container));
            // The player went to the cache volume (XDG_CACHE_HOME), owned by the non-root user.
            var (_, cached) = await Podman("exec", name, "sh", "-c", "ls /var/cache/actorpool/actorpool/players");
            Assert.False(string.IsNullOrWhiteSpace(cached), "no player in the cache volume");

            // podman run passes SIGTERM on to the gateway (its default --sig-proxy) and exits with its exit code.
            await DeployChecks.AssertDrainsOnSigtermAsync(container, () => container.Signal(15));
        }
        finally
        {
            await Podman("rm", "--force", "--ignore", name);
        }

        output.WriteLine($"whole spec: {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<long> SizeAsync(string image)
    {
        var (exit, text) = await Podman("image", "inspect", "--format", "{{.Size}}", image);
        Assert.True(exit == 0, text);
        return long.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> Podman(params string[] arguments)
    {
        var (exit, text) = await DeployArtifacts.RunAsync("podman", arguments, TimeSpan.FromMinutes(2));
        // podman writes systemd timer complaints (no systemd here) to stderr; keep only the lines that are answers.
        var lines = text.Split('\n').Where(l => !l.StartsWith("time=", StringComparison.Ordinal));
        return (exit, string.Join('\n', lines).Trim());
    }
}
