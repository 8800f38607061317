using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ActorPool.Gateway.Tests.Deploy;

/// <summary>
/// A cluster that forms itself: a gateway and two script-worker processes with <c>CLUSTER_DISCOVERY=config</c>, no
/// seed list and any remoting port, find each other through Akka.Management's cluster bootstrap, serve calls, lose a
/// worker to SIGKILL and keep serving, and take in a fourth process that starts later.
/// </summary>
[Collection(DeploySerial.Name)]
public sealed class ClusterBootstrapProcessSpec(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Nodes_with_discovery_and_no_seed_list_should_form_one_cluster_survive_a_killed_worker_and_take_in_a_late_one()
    {
        var clock = Stopwatch.StartNew();
        var (gatewayManagement, w1Management, w2Management, lateManagement) = (GatewayProcess.FreePort(), GatewayProcess.FreePort(), GatewayProcess.FreePort(), GatewayProcess.FreePort());
        var initial = Endpoints(gatewayManagement, w1Management, w2Management);
        using var gateway = Start("gateway", gatewayManagement, initial);
        using var w1 = Start("script-worker", w1Management, initial);
        using var w2 = Start("script-worker", w2Management, initial);
        GatewayProcess? late = null;
        try
        {
            await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90));
            await ClusterMembers.AwaitRoutableAsync(gateway, routable: 2, TimeSpan.FromSeconds(90));
            output.WriteLine($"formed (gateway ready, two workers routable): {clock.Elapsed.TotalSeconds:F1} s");

            // One cluster: every node's contact point comes to report the same three members (gossip reaches each
            // node in its own time; the gateway seeing both workers says nothing of what a worker has seen yet).
            foreach (var management in new[] { gatewayManagement, w1Management, w2Management })
            {
                await AwaitMembersAsync(management, 3, TimeSpan.FromSeconds(30));
            }

            for (var i = 0; i < 4; i++)
            {
                Assert.Equal("""{"result":5}""", await CallAsync(gateway, "add", "[2, 3]"));
            }

            // SIGKILL one worker: calls keep getting answers (a task on the lost node is answered worker_crashed,
            // never left hanging), and once the gateway sees it gone every call succeeds on the survivor.
            w1.Signal(9);
            var killed = Stopwatch.StartNew();
            while ((await ClusterMembers.ReadAsync(gateway)).Count(m => m.Routable) != 1)
            {
                Assert.True(killed.Elapsed < TimeSpan.FromSeconds(60), "the gateway never dropped the killed worker: " + gateway.Output);
                using var response = await gateway.Client.PostAsync("/v1/scripts/faults/add", DeployChecks.Json("""{"args": [1, 1]}"""));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode || body.Contains("worker_crashed", StringComparison.Ordinal) || body.Contains("pool_unavailable", StringComparison.Ordinal), $"unexpected {(int)response.StatusCode}: {body}");
                await Task.Delay(100);
            }

            for (var i = 0; i < 4; i++)
            {
                Assert.Equal("""{"result":5}""", await CallAsync(gateway, "add", "[2, 3]"));
            }

            output.WriteLine($"killed worker dropped: {killed.Elapsed.TotalSeconds:F1} s after SIGKILL");

            // A fourth process started later (scaled up) finds the cluster through the same discovery and joins it.
            var joining = Stopwatch.StartNew();
            late = Start("script-worker", lateManagement, Endpoints(gatewayManagement, w1Management, w2Management, lateManagement));
            await ClusterMembers.AwaitRoutableAsync(gateway, routable: 2, TimeSpan.FromSeconds(120));
            output.WriteLine($"late worker routable: {joining.Elapsed.TotalSeconds:F1} s after its start");
            var lateAddress = (await SeedNodesAsync(lateManagement)).Single(a => a.Self);

            // A burst larger than one worker (MAX_THREADS=1 each) spills onto the newcomer.
            var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => gateway.Client.PostAsync("/v1/scripts/faults/sleep", DeployChecks.Json("""{"args": [100]}"""))));
            Assert.All(burst, r => Assert.Equal(200, (int)r.StatusCode));
            var members = await ClusterMembers.ReadAsync(gateway);
            Assert.True(members.Single(m => m.Address == lateAddress.Address).Served > 0, "the late worker was not used: " + string.Join(", ", members));
            output.WriteLine($"whole spec: {clock.Elapsed.TotalSeconds:F1} s");
        }
        catch (Exception) when (Report(("gateway", gateway), ("worker 1", w1), ("worker 2", w2), ("late worker", late)))
        {
            throw;
        }
        finally
        {
            late?.Dispose();
        }

        // On failure, what each process logged (a node that left the cluster, or downed itself, says so there).
        bool Report(params (string Name, GatewayProcess? Process)[] processes)
        {
            foreach (var (name, process) in processes)
            {
                output.WriteLine($"--- {name} ---{Environment.NewLine}{process?.Output ?? "(not started)"}");
            }

            return false;
        }
    }

    private static string Endpoints(params int[] ports) => string.Join(',', ports.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>A node with config discovery: no CLUSTER_SEEDS, CLUSTER_PORT 0 (any port), its management port fixed.</summary>
    private static GatewayProcess Start(string role, int managementPort, string endpoints) => GatewayProcess.Start(new Dictionary<string, string>
    {
        ["CLUSTER_ROLE"] = role,
        ["CLUSTER_DISCOVERY"] = "config",
        ["CLUSTER_DISCOVERY_ENDPOINTS"] = endpoints,
        ["CLUSTER_MANAGEMENT_PORT"] = managementPort.ToString(CultureInfo.InvariantCulture),
        ["MAX_THREADS"] = "1",
    });

    private static async Task<string> CallAsync(GatewayProcess gateway, string function, string args)
    {
        using var response = await gateway.Client.PostAsync($"/v1/scripts/faults/{function}", DeployChecks.Json($$"""{"args": {{args}}}"""));
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Waits until a node's contact point lists <paramref name="count"/> members, at most <paramref name="max"/>.</summary>
    private static async Task AwaitMembersAsync(int managementPort, int count, TimeSpan max)
    {
        var waited = Stopwatch.StartNew();
        List<(string Address, bool Self)> members;
        while ((members = await SeedNodesAsync(managementPort)).Count != count && waited.Elapsed < max)
        {
            await Task.Delay(100);
        }

        Assert.True(members.Count == count, $"the node with management port {managementPort} lists {members.Count} members after {max.TotalSeconds} s, not {count}: {string.Join(", ", members)}");
    }

    /// <summary>What a node's bootstrap contact point says: the cluster's members (address, whether it is that node).</summary>
    private static async Task<List<(string Address, bool Self)>> SeedNodesAsync(int managementPort)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var json = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{managementPort.ToString(CultureInfo.InvariantCulture)}/bootstrap/seed-nodes"));
        static string Address(JsonElement a) => $"{a.GetProperty("Protocol").GetString()}://{a.GetProperty("System").GetString()}@{a.GetProperty("Host").GetString()}:{a.GetProperty("Port").GetInt32()}";
        var self = Address(json.RootElement.GetProperty("SelfNode"));
        return [.. json.RootElement.GetProperty("Nodes").EnumerateArray().Select(n => Address(n.GetProperty("Node"))).Select(a => (a, a == self))];
    }
}
