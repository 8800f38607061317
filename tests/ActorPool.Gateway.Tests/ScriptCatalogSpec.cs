using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorPool.Gateway.Tests;

/// <summary><c>GET /v1/scripts</c> and <c>/v1/scripts/{module}</c>: what the script pool serves, read from the scripts directory.</summary>
public sealed partial class ScriptCatalogSpec : IAsyncLifetime
{
    private const string Token = "catalog-token";
    private static readonly string Scripts = Path.Combine(AppContext.BaseDirectory, "scripts");
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["SCRIPTS_DIR"] = Scripts, ["API_TOKEN"] = Token });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Scripts_should_list_every_module_and_exported_function_of_the_scripts_directory_with_its_content_hash()
    {
        var expected = Directory.EnumerateFiles(Scripts, "*.mjs")
            .OrderBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal)
            .Select(f => (
                Name: Path.GetFileNameWithoutExtension(f),
                Version: "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))),
                Functions: string.Join(',', ExportedFunction().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal))))
            .ToList();
        Assert.Contains(expected, m => m.Name == "text" && m.Functions.Split(',').Contains("reverse"));

        using var response = await Get("/v1/scripts");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var listed = json.RootElement.GetProperty("modules").EnumerateArray().Select(m => (
            Name: m.GetProperty("name").GetString()!,
            Version: m.GetProperty("version").GetString()!,
            Functions: string.Join(',', m.GetProperty("functions").EnumerateArray().Select(f => f.GetString())))).ToList();
        Assert.Equal(expected, listed);

        using var one = await Get("/v1/scripts/text");
        using var text = JsonDocument.Parse(await one.Content.ReadAsStringAsync());
        Assert.Equal(expected.Single(m => m.Name == "text").Version, text.RootElement.GetProperty("version").GetString());
        Assert.Equal(["reverse", "words"], text.RootElement.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task An_unknown_module_should_be_404_module_not_found_and_the_list_needs_the_token()
    {
        var (status, body) = await Get("/v1/scripts/nope").ReadAsync();
        Assert.Equal(404, status);
        Assert.Equal("module_not_found", body.Kind());

        using var anonymous = await _gateway.Client.GetAsync("/v1/scripts");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Scripts_should_be_in_the_OpenAPI_document()
    {
        using var openapi = JsonDocument.Parse(await _gateway.Client.GetStringAsync("/openapi/v1.json"));
        var paths = openapi.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/scripts").TryGetProperty("get", out _), "GET /v1/scripts is not documented");
        Assert.True(paths.GetProperty("/v1/scripts/{module}").TryGetProperty("get", out _), "GET /v1/scripts/{module} is not documented");
    }

    private async Task<HttpResponseMessage> Get(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", Token);
        return await _gateway.Client.SendAsync(request);
    }

    [GeneratedRegex(@"^export function (\w+)", RegexOptions.Multiline)]
    private static partial Regex ExportedFunction();
}
