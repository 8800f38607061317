using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using PublicApiGenerator;

namespace ActorPool.Hosting.Tests.PublicApi;

/// <summary>
/// The public API of every shipped library, compared with the approved text committed next to this file
/// (<c>&lt;Assembly&gt;.approved.txt</c>). A change to the public API fails here until it is approved on purpose:
/// <c>ACTORPOOL_APPROVE=1 dotnet test tests/ActorPool.Hosting.Tests --filter PublicApi</c> rewrites the files.
/// </summary>
public sealed partial class PublicApiSpec
{
    private const string ApproveVariable = "ACTORPOOL_APPROVE";

    public static TheoryData<string> Libraries => new()
    {
        "ActorPool",
        "ActorPool.Hosting",
        "ActorPool.Cluster",
        "ActorPool.Engines.V8",
        "ActorPool.YouTube",
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Public_API_should_match_the_approved_file(string library)
    {
        var api = Generate(library);
        var approvedFile = Path.Combine(SourceDirectory(), library + ".approved.txt");
        var receivedFile = Path.Combine(SourceDirectory(), library + ".received.txt");
        if (Environment.GetEnvironmentVariable(ApproveVariable) == "1")
        {
            // CI checks the approved files; it must never rewrite them, or every API change would pass there.
            Assert.False(
                string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                $"{ApproveVariable}=1 is refused under CI=true: approve API changes on a developer machine and commit the *.approved.txt files");
            File.WriteAllText(approvedFile, api);
            File.Delete(receivedFile);
            return;
        }

        var approved = File.Exists(approvedFile) ? File.ReadAllText(approvedFile).ReplaceLineEndings("\n") : string.Empty;
        if (approved == api)
        {
            File.Delete(receivedFile);
            return;
        }

        File.WriteAllText(receivedFile, api);
        Assert.Fail(
            $"The public API of {library} differs from {library}.approved.txt; first difference: {FirstDifference(approved, api)}. " +
            $"Compare with: diff {approvedFile} {receivedFile}. If the change is intended, approve it with: " +
            $"{ApproveVariable}=1 dotnet test tests/ActorPool.Hosting.Tests --filter PublicApi");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Public_API_should_expose_no_Jint_or_Acornima_type(string library)
    {
        var leaks = EngineType().Matches(Generate(library)).Select(m => m.Value).Distinct().ToList();
        Assert.True(leaks.Count == 0, $"{library} exposes engine types: {string.Join(", ", leaks)}");
    }

    private static string Generate(string library) =>
        Assembly.Load(library).GeneratePublicApi(new ApiGeneratorOptions
        {
            // Assembly plumbing, not API.
            ExcludeAttributes =
            [
                "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
                "System.Runtime.Versioning.TargetFrameworkAttribute",
                "System.Reflection.AssemblyMetadataAttribute",
            ],
        }).ReplaceLineEndings("\n");

    private static string FirstDifference(string approved, string api)
    {
        var expected = approved.Split('\n');
        var actual = api.Split('\n');
        for (var i = 0; i < Math.Max(expected.Length, actual.Length); i++)
        {
            var want = i < expected.Length ? expected[i] : "<end>";
            var got = i < actual.Length ? actual[i] : "<end>";
            if (want != got)
            {
                return $"line {i + 1}: approved '{want.Trim()}', now '{got.Trim()}'";
            }
        }

        return "none";
    }

    /// <summary>The directory of this source file, where the approved files live.</summary>
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex(@"\b(Jint|Acornima)\.[A-Za-z_.]+")]
    private static partial Regex EngineType();
}
