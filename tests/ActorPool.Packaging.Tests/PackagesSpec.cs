using System.IO.Compression;
using System.Xml.Linq;

namespace ActorPool.Packaging.Tests;

/// <summary>The consumer's view: what `dotnet pack` produces, and a sample built only from those packages.</summary>
public sealed class PackagesSpec(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Fact]
    public void Every_library_under_src_is_packed_with_symbols_readme_license_and_docs()
    {
        Assert.Contains("ActorPool", feed.ExpectedPackages);
        Assert.Contains("ActorPool.Hosting", feed.ExpectedPackages);
        Assert.Contains("ActorPool.Cluster", feed.ExpectedPackages);
        Assert.Contains("ActorPool.YouTube", feed.ExpectedPackages);
        Assert.DoesNotContain("ActorPool.Gateway", feed.ExpectedPackages);

        var produced = Directory.GetFiles(feed.Feed).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var expected = feed.ExpectedPackages
            .SelectMany(id => new[] { $"{id}.{feed.Version}.nupkg", $"{id}.{feed.Version}.snupkg" })
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, produced);

        foreach (var id in feed.ExpectedPackages)
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg"));
            var nuspecEntry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using var nuspecStream = nuspecEntry.Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
            XElement? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

            Assert.Equal(feed.Version, Field("version"));
            Assert.Equal("MIT", Field("license"));
            Assert.Equal("expression", Element("license")!.Attribute("type")?.Value);
            Assert.Equal("README.md", Field("readme"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")), id + ": description");
            Assert.Equal("git", Element("repository")?.Attribute("type")?.Value);

            var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);

            // Sibling packages depend on each other at the packed version, not on project paths.
            foreach (var dependency in metadata.Descendants().Where(e => e.Name.LocalName == "dependency" && ((string?)e.Attribute("id"))!.StartsWith("ActorPool", StringComparison.Ordinal)))
            {
                Assert.Equal(feed.Version, (string?)dependency.Attribute("version"));
            }

            using var symbols = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.snupkg"));
            Assert.Contains(symbols.Entries, e => e.FullName == $"lib/net10.0/{id}.pdb");
        }
    }

    [Fact]
    public async Task Embedded_host_sample_builds_from_the_packages_and_prints_its_answers()
    {
        var output = await BuildAndRunSampleAsync("EmbeddedHost", ["ActorPool.Hosting", "ActorPool"]);

        Assert.Contains("greet: Hello, ActorPool!", output);
        Assert.Contains("wordCount: 3", output);
        Assert.Contains("missing: ModuleNotFound", output);
    }

    [Fact]
    public async Task Remote_client_sample_builds_from_the_packages_and_calls_a_pool_on_another_node()
    {
        var output = await BuildAndRunSampleAsync("RemoteClient", ["ActorPool"]);

        Assert.Contains(output, line => line.StartsWith("add over Akka.Remote (akka.tcp://pool-node@127.0.0.1:", StringComparison.Ordinal) && line.EndsWith("): 42", StringComparison.Ordinal));
        Assert.Contains("nope: ModuleNotFound", output);
        Assert.Contains(output, line => line.StartsWith("pool stats from the client: 1 succeeded", StringComparison.Ordinal));
    }

    /// <summary>
    /// Copies a sample out of the repository, so nothing of the repository's build (project references, central
    /// package versions) can reach it: only the feed and the registry already configured on the machine. Builds it
    /// against the packed version, checks the packages were restored as packages, runs it, returns its lines.
    /// </summary>
    private async Task<string[]> BuildAndRunSampleAsync(string sample, string[] packages)
    {
        var work = Path.Combine(feed.Root, sample);
        var source = Path.Combine(feed.RepoRoot, "samples");
        CopyDirectory(Path.Combine(source, sample), Path.Combine(work, sample));
        File.Copy(Path.Combine(source, "Directory.Build.props"), Path.Combine(work, "Directory.Build.props"));
        File.Copy(Path.Combine(source, "Directory.Packages.props"), Path.Combine(work, "Directory.Packages.props"));
        await File.WriteAllTextAsync(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{feed.Feed}" />
              </packageSources>
            </configuration>
            """);

        var project = Path.Combine(work, sample, sample + ".csproj");
        var build = await DotnetCli.RunAsync(work, PackedFeed.StepTimeout,
            "build", project, "-c", "Release", "--disable-build-servers", $"-p:ActorPoolVersion={feed.Version}");
        Assert.True(build.ExitCode == 0, $"building {sample} failed:\n" + build.Output);

        // Restored as packages at the packed version (a project reference would say "project").
        using var assets = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(work, sample, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries");
        foreach (var id in packages)
        {
            Assert.True(libraries.TryGetProperty($"{id}/{feed.Version}", out var library), $"{id} {feed.Version} was not restored");
            Assert.Equal("package", library.GetProperty("type").GetString());
        }

        var run = await DotnetCli.RunAsync(work, TimeSpan.FromMinutes(2), Path.Combine(work, sample, "bin", "Release", "net10.0", sample + ".dll"));
        Assert.True(run.ExitCode == 0, $"{sample} failed:\n" + run.Output);
        return run.Output.ReplaceLineEndings("\n").Split('\n');
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }
}
