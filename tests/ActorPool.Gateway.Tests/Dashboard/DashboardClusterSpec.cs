using System.Text;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// The home page of a cluster gateway (one gateway process, two script-worker processes on 127.0.0.1) in headless
/// Chromium: the members with their roles, status and reachability, each worker node's share of the pool, and the
/// workers of both nodes one by one. A screenshot is written to <c>screenshots/dashboard-cluster.png</c>.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class DashboardClusterSpec
{
    [Fact]
    public async Task Cluster_dashboard_should_show_the_members_and_the_workers_of_both_worker_nodes()
    {
        using var modules = new DashboardModules();
        using var cluster = ProcessCluster.Start(workers: 2, new Dictionary<string, string> { ["SCRIPTS_DIR"] = modules.Path }, new Dictionary<string, string> { ["SCRIPTS_DIR"] = modules.Path });
        var gateway = cluster.Gateway;
        var (a1, a2) = (cluster.Workers[0].Address, cluster.Workers[1].Address);
        await cluster.WaitRoutableAsync(routable: 2, TimeSpan.FromSeconds(60));

        // Enough concurrent calls that both nodes serve some, and one script error.
        var calls = Enumerable.Range(0, 8).Select(_ => gateway.Client.PostAsync("/v1/scripts/faults/sleep", Json("""{"args": [50]}"""))).ToList();
        using (var failed = await gateway.Client.PostAsync("/v1/scripts/faults/fail", Json("""{"args": ["cluster-kaput"]}""")))
        {
            Assert.Equal(422, (int)failed.StatusCode);
        }

        foreach (var response in await Task.WhenAll(calls))
        {
            Assert.Equal(200, (int)response.StatusCode);
            response.Dispose();
        }

        await using var browser = await HeadlessChromium.StartAsync(DashboardBrowserSpec.Bounded);
        await browser.SetViewportAsync(1400, 1100, DashboardBrowserSpec.Bounded);
        await browser.NavigateAsync(gateway.Client.BaseAddress!, DashboardBrowserSpec.Bounded);
        const string Pool = "document.querySelector('section.pool[data-pool=\"script-pool\"]')";
        var hosts = new[] { a1, a2 }.Select(a => a.Replace("akka.tcp://actorpool@", "", StringComparison.Ordinal)).ToArray();

        var members = await browser.WaitForAsync(
            "!document.querySelector('#cluster').hidden && document.querySelectorAll('#cluster table.members tbody tr').length === 3 && document.querySelector('#cluster table.members tbody').innerText",
            DashboardBrowserSpec.Bounded, "cluster members");
        foreach (var address in new[] { a1, a2 })
        {
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(address)}\s+script-worker\s+up\s+reachable", members.GetString());
        }

        Assert.Matches(@"gateway\s+up\s+reachable", members.GetString());

        var nodes = await browser.WaitForAsync(
            $"{Pool}.querySelectorAll('table.nodes tbody tr').length === 2 && {Pool}.querySelector('table.nodes tbody').innerText",
            DashboardBrowserSpec.Bounded, "worker nodes of the pool");
        Assert.Contains(a1, nodes.GetString(), StringComparison.Ordinal);
        Assert.Contains(a2, nodes.GetString(), StringComparison.Ordinal);

        // Each node runs one worker (MAX_THREADS=1): one row each, with its node and budget.
        var workers = await browser.WaitForAsync(
            $"(() => {{ const rows = [...{Pool}.querySelectorAll('table.workers tbody tr')]; return rows.length === 2 && rows.every(r => r.querySelector('progress')) && rows.map(r => r.innerText).join('\\n'); }})()",
            DashboardBrowserSpec.Bounded, "the workers of both nodes");
        Assert.All(hosts, host => Assert.Contains(host, workers.GetString(), StringComparison.Ordinal));
        await browser.WaitForAsync($"{Pool}.querySelector('table.failures tbody').innerText.includes('cluster-kaput')", DashboardBrowserSpec.Bounded, "the failure on the cluster");
        await browser.WaitForAsync("document.querySelector('#modules li[data-module=text] button[data-function=reverse]')", DashboardBrowserSpec.Bounded, "the modules on a cluster gateway");

        await browser.ScreenshotAsync(Path.Combine(DashboardBrowserSpec.Screenshots, "dashboard-cluster.png"), 1400, DashboardBrowserSpec.Bounded);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
