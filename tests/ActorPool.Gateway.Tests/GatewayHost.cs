using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>A real gateway on Kestrel at 127.0.0.1, port 0, with the test modules and small limits.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private GatewayHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static string ModulesDirectory => Path.Combine(AppContext.BaseDirectory, "modules");

    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null, Action<OpenTelemetry.Trace.TracerProviderBuilder>? tracing = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["PORT"] = "0",
            ["HOST"] = "127.0.0.1",
            ["SCRIPTS_DIR"] = ModulesDirectory,
            ["MAX_THREADS"] = "2",
            ["IN_FLIGHT_TIMEOUT_MS"] = "2000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "32",
            ["ENGINE_RECURSION_LIMIT"] = "200",
            ["DRAIN_TIMEOUT_MS"] = "2000",
            ["LOG_LEVEL"] = "warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = GatewayApp.Build([], overrides, tracing);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = GatewayApp.Address(app), Timeout = TimeSpan.FromSeconds(60) };
        return new GatewayHost(app, client);
    }

    public Task<HttpResponseMessage> CallAsync(string module, string function, string body, string contentType = "application/json") =>
        Client.PostAsync($"/v1/scripts/{module}/{function}", new StringContent(body, Encoding.UTF8, contentType));

    public async Task<JsonElement> PoolAsync() => (await Client.GetFromJsonAsync<JsonElement>("/v1/pool")).Clone();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public static class Http
{
    public static async Task<(int Status, JsonElement Body)> ReadAsync(this Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"status {(int)response.StatusCode} with a body that is not JSON: '{text}'");
        }
    }

    public static string Kind(this JsonElement body) => body.GetProperty("kind").GetString()!;
}
