using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// The yt-cipher endpoints on a cluster of processes of the published binary: one gateway node and two script-worker
/// nodes, a loopback YouTube. The gateway sends module names built from player keys; each worker node fetches,
/// caches on its own disk and builds the solvers it runs. A worker node is killed with SIGKILL under signature load.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeClusterProcessSpec(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int LoadRequests = 90;
    private const string SolverPool = "solver-pool";
    private const string NAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [Fact]
    public async Task Every_player_should_be_solved_through_a_gateway_node_and_a_killed_worker_node_should_cost_no_hang_and_no_wrong_answer()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache1 = new TempDirectory();
        using var cache2 = new TempDirectory();
        using var cluster = ProcessCluster.Start(workers: 0, workerEnvironment: new Dictionary<string, string>
        {
            ["YOUTUBE_BASE_URL"] = youtube.BaseUrl.ToString(),
            ["IN_FLIGHT_TIMEOUT_MS"] = "20000",
            ["ENGINE_MEMORY_LIMIT_MB"] = "512",
        });
        var gateway = cluster.Gateway;
        // Each worker node caches players on its own disk.
        var a1 = cluster.StartWorker(new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache1.Path }).Address;
        var a2 = cluster.StartWorker(new Dictionary<string, string> { ["XDG_CACHE_HOME"] = cache2.Path }).Address;
        await cluster.WaitRoutableAsync(2, TimeSpan.FromSeconds(60), SolverPool);
        await AssertEnginesAsync(gateway);

        // Every fixture vector and sts through the gateway node.
        var mismatches = new List<string>();
        foreach (var vector in YouTubeFixtures.Vectors)
        {
            for (var i = 0; i < Math.Max(vector.Sig.Count, vector.N.Count); i++)
            {
                var sig = vector.Sig.ElementAtOrDefault(i);
                var n = vector.N.ElementAtOrDefault(i);
                var (status, body) = await PostAsync(gateway, "/decrypt_signature", new { player_url = vector.PlayerUrl, encrypted_signature = sig?.Input, n_param = n?.Input });
                var gotSig = status == 200 ? body.GetProperty("decrypted_signature").GetString() : $"HTTP {status}: {body}";
                var gotN = status == 200 ? body.GetProperty("decrypted_n_sig").GetString() : $"HTTP {status}: {body}";
                if (gotSig != (sig?.Output ?? "") || gotN != (n?.Output ?? ""))
                {
                    mismatches.Add($"{vector.PlayerId} #{i}: sig '{gotSig}' n '{gotN}'");
                }
            }

            var (stsStatus, stsBody) = await PostAsync(gateway, "/get_sts", new { player_url = vector.PlayerUrl });
            if (stsStatus != 200 || stsBody.GetProperty("sts").GetString() != vector.Sts.ToString(CultureInfo.InvariantCulture))
            {
                mismatches.Add($"{vector.PlayerId} sts: HTTP {stsStatus} {stsBody}");
            }
        }

        Assert.True(mismatches.Count == 0, "mismatches:\n" + string.Join('\n', mismatches) + "\n" + gateway.Output);

        // Lavalink youtube-source's remote cipher client, both generations, every player, as the embed page gives
        // the jsUrl (relative) and protocol-relative: the client contract holds through a gateway node too.
        foreach (var version in new[] { LavalinkVersion.V1_14, LavalinkVersion.V1_15 })
        {
            var contract = await LavalinkContract.RunAsync(gateway.Client, gateway.Client.BaseAddress!.ToString(), null, version, YouTubeFixtures.Vectors, ["relative", "protocol-relative"]);
            Assert.True(contract.Count == 0, $"{version}: {contract.Count} client failures:\n" + string.Join('\n', contract.Take(20)));
        }
        Assert.True(Directory.EnumerateFiles(cache1.Players).Any() || Directory.EnumerateFiles(cache2.Players).Any(), "no worker node cached a player on its disk");

        // Signature load (a fresh n per request, so every request runs a task on a worker node); kill the busier node.
        var modern = YouTubeFixtures.Vectors.Where(v => v.N.Count > 0).ToList();
        var (answers, killed) = await cluster.KillBusiestWorkerUnderLoadAsync(LoadRequests, async i =>
        {
            var vector = modern[i % modern.Count];
            var n = RandomN(i);
            var started = Stopwatch.StartNew();
            using var response = await gateway.Client.PostAsync("/decrypt_signature", Json(new { player_url = vector.PlayerUrl, encrypted_signature = vector.Sig[0].Input, n_param = n }));
            return (Player: vector.PlayerId, N: n, Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Took: started.Elapsed);
        }, TimeSpan.FromSeconds(120), SolverPool);
        var survivorAddress = killed == a1 ? a2 : a1;

        Assert.Equal(LoadRequests, answers.Count);
        output.WriteLine("statuses under the kill: " + string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Key} x{g.Count()}")));
        foreach (var (player, n, status, text, took) in answers)
        {
            using var json = JsonDocument.Parse(text);
            Assert.True(took < TimeSpan.FromSeconds(30), $"a request took {took}");
            if (status == 200)
            {
                var vector = YouTubeFixtures.Vectors.Single(v => v.PlayerId == player);
                Assert.Equal(vector.Sig[0].Output, json.RootElement.GetProperty("decrypted_signature").GetString());
                var nAnswer = json.RootElement.GetProperty("decrypted_n_sig").GetString();
                Assert.False(string.IsNullOrEmpty(nAnswer) || nAnswer == n, $"{player}: n {n} answered '{nAnswer}'");
            }
            else
            {
                Assert.True(status is 500 or 503 or 504, $"unexpected {status}: {text}");
                Assert.True(json.RootElement.TryGetProperty("error", out _), text);
            }
        }

        Assert.True(answers.Count(a => a.Status == 200) >= LoadRequests / 3, "too few requests succeeded");

        // The survivor serves every player afterwards (a fresh n, so each request runs there).
        await ClusterMembers.AwaitRoutableAsync(gateway, 1, TimeSpan.FromSeconds(60), SolverPool);
        foreach (var vector in modern)
        {
            var (status, body) = await PostAsync(gateway, "/decrypt_signature", new { player_url = vector.PlayerUrl, encrypted_signature = vector.Sig[1].Input, n_param = RandomN(1000) });
            Assert.True(status == 200, $"{vector.PlayerId}: HTTP {status} {body}");
            Assert.Equal(vector.Sig[1].Output, body.GetProperty("decrypted_signature").GetString());
        }

        Assert.Equal(survivorAddress, await ClusterMembers.BusiestAsync(gateway, SolverPool));
    }

    private static string RandomN(int i) => string.Create(19, i, static (span, seed) =>
    {
        var random = new Random(seed * 7919 + Environment.TickCount);
        for (var k = 0; k < span.Length; k++)
        {
            span[k] = NAlphabet[random.Next(NAlphabet.Length)];
        }
    });

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<(int Status, JsonElement Body)> PostAsync(GatewayProcess gateway, string path, object body)
    {
        using var response = await gateway.Client.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The worker nodes run the generic pool on Jint and the solver pool on V8 (the defaults); the gateway says so.</summary>
    private static async Task AssertEnginesAsync(GatewayProcess gateway)
    {
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/v1/pool"));
        var engines = json.RootElement.GetProperty("engines").EnumerateArray().ToDictionary(e => e.GetProperty("pool").GetString()!, e => e.GetProperty("engine").GetString());
        Assert.Equal("jint", engines["script-pool"]);
        Assert.Equal("v8", engines["solver-pool"]);
    }
}
