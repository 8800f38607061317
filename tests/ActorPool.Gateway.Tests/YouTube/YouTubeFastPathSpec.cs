using System.Net.Http.Json;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>Over HTTP: a repeated request runs no pool task; resolve_url costs one task; the pool view names its engine.</summary>
[Collection(YouTubeSerial.Name)]
public sealed class YouTubeFastPathSpec
{
    [Fact]
    public async Task A_second_identical_decrypt_should_run_no_pool_task()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache);
        var vector = YouTubeFixtures.Newest;
        var request = new { player_url = vector.PlayerUrl, encrypted_signature = vector.Sig[0].Input, n_param = vector.N[0].Input };

        var (status, body) = await gateway.PostJsonAsync("/decrypt_signature", request).ReadAsync();
        Assert.Equal(200, status);
        var afterFirst = await Succeeded(gateway);
        // Two tasks: the player's preparation (its module's self-check where it runs) and the request.
        Assert.Equal(2, afterFirst);

        var (again, answer) = await gateway.PostJsonAsync("/decrypt_signature", request).ReadAsync();

        Assert.Equal(200, again);
        Assert.Equal(vector.Sig[0].Output, answer.GetProperty("decrypted_signature").GetString());
        Assert.Equal(vector.N[0].Output, answer.GetProperty("decrypted_n_sig").GetString());
        Assert.Equal(afterFirst, await Succeeded(gateway));
        Assert.Equal(body.GetRawText(), answer.GetRawText());
    }

    [Fact]
    public async Task Resolve_url_with_a_signature_and_an_n_should_cost_one_pool_task()
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache);
        var vector = YouTubeFixtures.Newest;

        var (status, body) = await gateway.PostJsonAsync("/resolve_url", new
        {
            player_url = vector.PlayerUrl,
            stream_url = "https://rr1.googlevideo.com/videoplayback?itag=18&n=" + vector.N[1].Input + "&s=x&sp=sig",
            encrypted_signature = vector.Sig[1].Input,
        }).ReadAsync();

        Assert.Equal(200, status);
        var resolved = body.GetProperty("resolved_url").GetString()!;
        Assert.Contains("n=" + Uri.EscapeDataString(vector.N[1].Output), resolved, StringComparison.Ordinal);
        Assert.Contains("sig=" + Uri.EscapeDataString(vector.Sig[1].Output), resolved, StringComparison.Ordinal);
        // The player's preparation (its module's self-check) and one task for the signature and n together.
        Assert.Equal(2, await Succeeded(gateway));
    }

    [Theory]
    [InlineData(null, "v8")]
    [InlineData("JINT", "jint")]
    [InlineData("v8", "v8")]
    public async Task The_pool_view_and_the_dashboard_should_name_each_pool_with_the_engine_that_serves_it(string? solverEngine, string expected)
    {
        await using var youtube = await FakeYouTube.StartAsync();
        using var cache = new TempDirectory();
        await using var gateway = await YouTubeGateway.StartAsync(youtube, cache, new Dictionary<string, string?> { ["SOLVER_ENGINE"] = solverEngine });
        var vector = YouTubeFixtures.Newest;
        var (status, body) = await gateway.PostJsonAsync("/decrypt_signature", new { player_url = vector.PlayerUrl, n_param = vector.N[0].Input }).ReadAsync();
        Assert.True(status == 200, $"{status}: {body}");

        var pool = await gateway.PoolAsync();
        var engines = pool.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal(["script-pool", "solver-pool"], engines.Select(e => e.GetProperty("pool").GetString()));
        Assert.Equal("jint", pool.GetProperty("engine").GetString());
        Assert.Equal("jint", engines[0].GetProperty("engine").GetString());
        Assert.Equal(["scripts"], engines[0].GetProperty("serves").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(expected, engines[1].GetProperty("engine").GetString());
        Assert.Equal(expected, engines[1].GetProperty("requested").GetString());
        Assert.Equal(expected, engines[1].GetProperty("state").GetProperty("engine").GetString());
        Assert.Equal(["youtube-solvers"], engines[1].GetProperty("serves").EnumerateArray().Select(e => e.GetString()));
        // The solver's tasks ran on the solver pool, none on the generic one.
        Assert.True(engines[1].GetProperty("state").GetProperty("tasks").GetProperty("succeeded").GetInt64() >= 1);
        Assert.Equal(0, pool.GetProperty("tasks").GetProperty("succeeded").GetInt64());

        var dashboard = await gateway.Client.GetFromJsonAsync<JsonElement>("/dashboard.json");
        Assert.Equal(
            [("script-pool", "jint"), ("solver-pool", expected)],
            dashboard.GetProperty("pools").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("engine").GetString())));
        var home = await gateway.Client.GetStringAsync("/");
        Assert.Contains("data-pool=\"solver-pool\"", home, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_SOLVER_ENGINE_should_stop_the_start_naming_it()
    {
        var error = Assert.Throws<ActorPool.Configuration.PoolConfigurationException>(() => GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory,
            ["SOLVER_ENGINE"] = "spidermonkey",
            ["N_CACHE_SIZE"] = "0",
        }));
        Assert.Contains("SOLVER_ENGINE", error.Message, StringComparison.Ordinal);
        Assert.Contains("N_CACHE_SIZE", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Tasks the solver pool answered (the generic pool's stay at the top level of /v1/pool).</summary>
    private static async Task<long> Succeeded(GatewayHost gateway) =>
        (await gateway.SolverPoolAsync()).GetProperty("state").GetProperty("tasks").GetProperty("succeeded").GetInt64();
}
