using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>
/// One gateway process and two script-worker processes of the same binary, clustered on 127.0.0.1. A worker is
/// killed with SIGKILL in the middle of a load: every request still gets one response, none hangs, the other
/// worker keeps serving, and a restarted worker joins and is routed to again.
/// </summary>
public sealed class ClusterProcessSpec
{
    private const int Requests = 120;

    [Fact]
    public async Task Cluster_should_answer_every_request_once_when_a_worker_process_is_killed_and_use_it_again_after_a_restart()
    {
        using var cluster = ProcessCluster.Start(workers: 2);
        var gateway = cluster.Gateway;
        var (a1, a2) = (cluster.Workers[0].Address, cluster.Workers[1].Address);
        await cluster.WaitRoutableAsync(routable: 2, TimeSpan.FromSeconds(60));
        var metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.Contains($"actorpool_cluster_members{{address=\"{a1}\"", metrics, StringComparison.Ordinal);
        Assert.Contains($"actorpool_cluster_node_workers{{address=\"{a2}\",state=\"idle\"}} 1", metrics, StringComparison.Ordinal);

        // Load: a slow call per request, 8 at a time; kill the worker that serves the module mid-way.
        var (responses, victimAddress) = await cluster.KillBusiestWorkerUnderLoadAsync(Requests, async _ =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await gateway.Client.PostAsync("/v1/scripts/faults/sleep", new StringContent("""{"args": [40]}""", Encoding.UTF8, "application/json"));
            return (Status: (int)response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Took: started.Elapsed);
        }, TimeSpan.FromSeconds(60));
        var survivorAddress = victimAddress == a1 ? a2 : a1;

        Assert.Equal(Requests, responses.Count);
        foreach (var (status, body, took) in responses)
        {
            Assert.True(status is 200 or 500 or 503, $"unexpected {status}: {body}");
            using var json = JsonDocument.Parse(body);
            if (status != 200)
            {
                Assert.Equal("worker_crashed", json.RootElement.GetProperty("kind").GetString());
                Assert.Contains("lost", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
            }

            Assert.True(took < TimeSpan.FromSeconds(20), $"a request took {took}");
        }

        Assert.True(responses.Count(r => r.Status == 200) >= Requests / 3, "too few requests succeeded");

        // The survivor takes over; the pool view shows the lost member.
        using (var after = await gateway.Client.PostAsync("/v1/scripts/faults/add", new StringContent("""{"args": [2, 3]}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal("""{"result":5}""", await after.Content.ReadAsStringAsync());
        }

        var members = await ClusterMembers.ReadAsync(gateway);
        Assert.Equal(1, members.Count(m => m.Routable));
        Assert.True(members.All(m => m.Address != victimAddress || !m.Reachable || m.Status is "down" or "removed" or "exiting"), "the killed worker still looks healthy");
        Assert.Equal(survivorAddress, await ClusterMembers.BusiestAsync(gateway));

        // Restart the killed worker: once the lost one is downed, the new one joins and is routable.
        var restartedAddress = cluster.StartWorker().Address;
        await ClusterMembers.AwaitRoutableAsync(gateway, routable: 2, TimeSpan.FromSeconds(90));
        // A burst larger than one worker: the router spills onto the restarted node.
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => gateway.Client.PostAsync("/v1/scripts/faults/sleep", new StringContent("""{"args": [100]}""", Encoding.UTF8, "application/json"))));
        Assert.All(burst, m => Assert.Equal(200, (int)m.StatusCode));
        Assert.True((await ClusterMembers.ReadAsync(gateway)).Single(m => m.Address == restartedAddress).Served > 0, "the restarted worker was not used");
    }
}
