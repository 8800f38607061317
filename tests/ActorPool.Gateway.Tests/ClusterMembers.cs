using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>One member of a cluster gateway's view, as <c>/v1/pool</c> lists it.</summary>
public sealed record ClusterMember(string Address, string Status, bool Reachable, bool Routable, long Served, int InFlight);

/// <summary>What a cluster gateway process says about its worker nodes, for the process specs.</summary>
public static class ClusterMembers
{
    /// <summary>
    /// The members seen by the router of <paramref name="pool"/>: the generic pool's router (the top level of
    /// <c>/v1/pool</c>) when null, else the named pool's entry under <c>engines</c>.
    /// </summary>
    public static async Task<List<ClusterMember>> ReadAsync(GatewayProcess gateway, string? pool = null)
    {
        using var json = JsonDocument.Parse(await gateway.Client.GetStringAsync("/v1/pool"));
        var state = pool is null
            ? json.RootElement
            : json.RootElement.GetProperty("engines").EnumerateArray().Single(e => e.GetProperty("pool").GetString() == pool).GetProperty("state");
        return [.. state.GetProperty("cluster").EnumerateArray().Select(m => new ClusterMember(
            m.GetProperty("address").GetString()!,
            m.GetProperty("status").GetString()!,
            m.GetProperty("reachable").GetBoolean(),
            m.GetProperty("routable").GetBoolean(),
            m.GetProperty("served").GetInt64(),
            m.GetProperty("in_flight").GetInt32()))];
    }

    /// <summary>The routable member that has served (or is serving) the most tasks of <paramref name="pool"/>.</summary>
    public static async Task<string> BusiestAsync(GatewayProcess gateway, string? pool = null) =>
        (await ReadAsync(gateway, pool)).Where(m => m.Routable).OrderByDescending(m => m.Served + m.InFlight).First().Address;

    /// <summary>Waits until exactly <paramref name="routable"/> members are routable; fails after <paramref name="max"/>.</summary>
    public static async Task AwaitRoutableAsync(GatewayProcess gateway, int routable, TimeSpan max, string? pool = null)
    {
        var deadline = DateTime.UtcNow + max;
        while (DateTime.UtcNow < deadline)
        {
            if ((await ReadAsync(gateway, pool)).Count(m => m.Routable) == routable)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the gateway never saw {routable} routable worker(s): {gateway.Output}");
    }
}
