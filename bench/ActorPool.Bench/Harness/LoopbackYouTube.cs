using System.Text.Json;
using ActorPool.Gateway;
using ActorPool.YouTube.Players;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorPool.Bench;

/// <summary>
/// Kestrel on 127.0.0.1:0 serving the fixture players at their canonical paths and at the paths of their fixture
/// URLs (what the yt-cipher peer requests), so one player host serves every server under test.
/// </summary>
internal sealed class LoopbackYouTube(WebApplication app) : IAsyncDisposable
{
    public Uri BaseUrl => GatewayApp.Address(app);

    public static async Task<LoopbackYouTube> StartAsync(string fixtures, JsonElement vectors)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var vector in vectors.EnumerateArray())
        {
            var url = vector.GetProperty("player_url").GetString();
            var file = Path.Combine(fixtures, vector.GetProperty("file").GetString()!);
            files[PlayerIdentity.Parse(url).CanonicalPath()] = file;
            files.TryAdd(new Uri(url!).AbsolutePath, file);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context =>
        {
            if (files.TryGetValue(context.Request.Path.Value ?? "/", out var file))
            {
                return context.Response.SendFileAsync(file);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        return new LoopbackYouTube(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
