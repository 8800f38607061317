using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.YouTube.Players;
using ActorPool.YouTube.Service;
using Akka.Actor;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>Every vector of vectors.json, solved through the library (pool) and through HTTP, fetched from a loopback YouTube.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeVectorsSpec
{
    [Fact]
    public async Task Library_path_should_solve_every_fixture_vector_as_pool_tasks()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        using var system = ActorSystem.Create("yt-vectors");
        using var provider = new SolverModuleProvider(new YouTubeServiceOptions
        {
            Urls = PlayerUrlOptions.Default with { BaseUrl = youtube.BaseUrl },
            CacheDirectory = cache.Players,
        });
        var settings = PoolSettings.Default with { Workers = 2, InFlightTimeout = TimeSpan.FromSeconds(20) };
        await using var pool = ScriptPool.Start(system, provider, settings);
        using var service = new YouTubeSolverService(pool, new YouTubeServiceOptions { CacheDirectory = cache.Players }, localProvider: provider);

        var mismatches = new List<string>();
        foreach (var vector in YouTubeFixtures.Vectors)
        {
            var player = service.Identify(vector.PlayerUrl);
            foreach (var sig in vector.Sig)
            {
                var result = await service.DecryptAsync(player, sig.Input, null);
                Check(mismatches, vector, "sig", sig, result.Signature);
            }

            foreach (var n in vector.N)
            {
                var result = await service.DecryptAsync(player, null, n.Input);
                Check(mismatches, vector, "n", n, result.N);
            }

            var (sts, _) = await service.GetStsAsync(player);
            if (sts != vector.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                mismatches.Add($"{vector.PlayerId} sts: expected {vector.Sts}, got {sts ?? "null"}");
            }
        }

        Assert.True(mismatches.Count == 0, "mismatches:\n" + string.Join('\n', mismatches));
        Assert.Equal(YouTubeFixtures.Vectors.Count, service.Stats().Extractions);
        Assert.Equal(YouTubeFixtures.Vectors.Count, youtube.TotalRequests);
    }

    [Theory]
    [InlineData(null, "v8")]
    [InlineData("jint", "jint")]
    public async Task Http_should_solve_every_fixture_vector_with_absolute_and_relative_player_urls(string? solverEngine, string expectedEngine)
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?> { ["SOLVER_ENGINE"] = solverEngine });

        var mismatches = await SolveEveryVectorAsync((path, body) => gateway.PostJsonAsync(path, body).ReadAsync());

        Assert.True(mismatches.Count == 0, "mismatches:\n" + string.Join('\n', mismatches));
        Assert.Equal(YouTubeFixtures.Vectors.Count, youtube.TotalRequests);
        // The engine that served them: V8 by default (SOLVER_ENGINE unset), Jint when asked.
        Assert.Equal(expectedEngine, (await gateway.SolverPoolAsync()).GetProperty("engine").GetString());
    }

    /// <summary>
    /// Posts every fixture vector's sig and n to /decrypt_signature and its sts to /get_sts; returns the mismatches.
    /// Even players go by absolute URL, odd by path only; the second request of a player uses the other form.
    /// </summary>
    internal static async Task<List<string>> SolveEveryVectorAsync(Func<string, object, Task<(int Status, JsonElement Body)>> post)
    {
        var mismatches = new List<string>();
        var index = 0;
        foreach (var vector in YouTubeFixtures.Vectors)
        {
            string Url(int i) => (index + i) % 2 == 0 ? vector.PlayerUrl : vector.RelativeUrl;
            var count = Math.Max(vector.Sig.Count, vector.N.Count);
            for (var i = 0; i < count; i++)
            {
                var sig = i < vector.Sig.Count ? vector.Sig[i] : null;
                var n = i < vector.N.Count ? vector.N[i] : null;
                var body = new Dictionary<string, string> { ["player_url"] = Url(i) };
                if (sig is not null)
                {
                    body["encrypted_signature"] = sig.Input;
                }

                if (n is not null)
                {
                    body["n_param"] = n.Input;
                }

                var (status, json) = await post("/decrypt_signature", body);
                if (status != 200)
                {
                    mismatches.Add($"{vector.PlayerId} #{i}: status {status} {json}");
                    continue;
                }

                Check(mismatches, vector, "sig", sig, json.GetProperty("decrypted_signature").GetString());
                Check(mismatches, vector, "n", n, json.GetProperty("decrypted_n_sig").GetString());
            }

            var (stsStatus, stsBody) = await post("/get_sts", new { player_url = Url(1) });
            if (stsStatus != 200 || stsBody.GetProperty("sts").GetString() != vector.Sts.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                mismatches.Add($"{vector.PlayerId} sts: expected 200 {vector.Sts}, got {stsStatus} {stsBody}");
            }

            index++;
        }

        return mismatches;
    }

    private static void Check(List<string> mismatches, PlayerVector vector, string kind, ChallengeVector? expected, string? actual)
    {
        var want = expected?.Output ?? string.Empty;
        if (want != actual)
        {
            mismatches.Add($"{vector.PlayerId} {kind}({expected?.Input}): expected '{want}', got '{actual}'");
        }
    }
}
