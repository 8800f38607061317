namespace ActorPool.Gateway.Tests;

public sealed class EngineKindSpec
{
    [Theory]
    [InlineData(null, "jint")]
    [InlineData("jint", "jint")]
    [InlineData("v8", "v8")]
    public async Task Gateway_should_serve_on_the_engine_of_ENGINE_KIND_and_show_it_in_the_pool_state(string? kind, string expected)
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["ENGINE_KIND"] = kind });

        var (status, body) = await gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync();
        var pool = await gateway.PoolAsync();

        Assert.True(status == 200, $"got {status}: {body}");
        Assert.Equal(expected, pool.GetProperty("engine").GetString());
    }

    [Fact]
    public async Task Gateway_should_refuse_to_start_with_an_unknown_ENGINE_KIND()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(new Dictionary<string, string?> { ["ENGINE_KIND"] = "rhino" }));

        Assert.Contains("ENGINE_KIND = 'rhino': expected jint or v8", failure.ToString(), StringComparison.Ordinal);
    }
}
