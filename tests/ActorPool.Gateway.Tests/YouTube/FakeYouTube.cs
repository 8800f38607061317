using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// A loopback "YouTube": Kestrel on 127.0.0.1, port 0, serving the fixture players at their canonical paths, plus
/// players that misbehave: <see cref="NotFoundId"/> (404), <see cref="SlowId"/> (never answers),
/// <see cref="HugeId"/> (17 MiB body), <see cref="GarbageId"/> (200 with text that is not a player).
/// </summary>
public sealed class FakeYouTube : IAsyncDisposable
{
    public const string NotFoundId = "0badf00d";
    public const string SlowId = "51011111";
    public const string HugeId = "0000beef";
    public const string GarbageId = "deadbeef";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    private FakeYouTube(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public static string PathOf(string id) => $"/s/player/{id}/player_ias.vflset/en_US/base.js";

    public static string UrlOf(string id) => "https://www.youtube.com" + PathOf(id);

    /// <summary>The small fixture player (<see cref="YouTubeFixtures.Small"/>) served again under the locale <c>sr_Latn_RS</c>.</summary>
    public static string RegionalPath => $"/s/player/{YouTubeFixtures.Small.PlayerId}/player_ias.vflset/sr_Latn_RS/base.js";

    public static async Task<FakeYouTube> StartAsync()
    {
        var files = new Dictionary<string, string>(YouTubeFixtures.FilesByCanonicalPath(), StringComparer.Ordinal)
        {
            // A regional copy under a locale of three parts (yt-cipher accepts any [a-zA-Z_]+ locale).
            [RegionalPath] = Path.Combine(YouTubeFixtures.Directory, YouTubeFixtures.Small.File),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeYouTube(app);
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            fake._requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (files.TryGetValue(path, out var file))
            {
                context.Response.ContentType = "text/javascript";
                await context.Response.SendFileAsync(file);
            }
            else if (path == PathOf(SlowId))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            else if (path == PathOf(HugeId))
            {
                var chunk = new byte[1 << 20];
                Array.Fill(chunk, (byte)'x');
                for (var i = 0; i < 17 && !context.RequestAborted.IsCancellationRequested; i++)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            else if (path == PathOf(GarbageId))
            {
                await context.Response.WriteAsync("<html>this is not a player script {{{");
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        });
        await app.StartAsync();
        fake.BaseUrl = GatewayApp.Address(app);
        return fake;
    }

    public int Requests(string path) => _requests.GetValueOrDefault(path);

    public int TotalRequests => _requests.Values.Sum();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A temporary directory removed on dispose (the XDG cache root of one test).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actorpool-yt-" + Guid.NewGuid().ToString("N"));

    public string Players => System.IO.Path.Combine(Path, "actorpool", "players");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp cleaner removes what is left.
        }
    }
}

public static class YouTubeGateway
{
    public static Task<GatewayHost> StartAsync(FakeYouTube youtube, TempDirectory cache, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["YOUTUBE_BASE_URL"] = youtube.BaseUrl.ToString(),
            ["XDG_CACHE_HOME"] = cache.Path,
            ["IN_FLIGHT_TIMEOUT_MS"] = "20000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "512",
            ["ENGINE_RECURSION_LIMIT"] = "1000",
            ["PLAYER_FETCH_TIMEOUT_MS"] = "3000",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return GatewayHost.StartAsync(settings);
    }

    /// <summary>The solver pool's entry of /v1/pool's <c>engines</c>: pool, serves, engine, requested, state.</summary>
    public static async Task<System.Text.Json.JsonElement> SolverPoolAsync(this GatewayHost gateway) =>
        (await gateway.PoolAsync()).GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("pool").GetString() == "solver-pool");

    public static Task<HttpResponseMessage> PostJsonAsync(this GatewayHost gateway, string path, object body) =>
        gateway.Client.PostAsync(path, new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PostRawAsync(this GatewayHost gateway, string path, string body, string contentType = "application/json") =>
        gateway.Client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, contentType));
}
