using System.Globalization;

namespace ActorPool.Gateway.Tests;

public sealed class PoolMeterExporterSpec
{
    [Fact]
    public async Task Metrics_should_show_the_pools_counters_and_histograms_under_prometheus_names_after_calls()
    {
        // One worker with a budget of 2: the third call runs on a replacement, so a budget retirement was counted.
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["MESSAGES_LIMIT"] = "2" });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync()).Status);
        }

        Assert.Equal(422, (await gateway.CallAsync("faults", "fail", """{"args": ["no"]}""").ReadAsync()).Status);

        var metrics = await gateway.Client.GetStringAsync("/metrics");

        Assert.DoesNotContain("actorpool_actorpool_", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE actorpool_tasks_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE actorpool_task_wait_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE actorpool_task_run_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE actorpool_worker_retirements_total counter", metrics, StringComparison.Ordinal);
        AssertAtLeast(metrics, "actorpool_tasks_total", "outcome=\"succeeded\"", 3);
        AssertAtLeast(metrics, "actorpool_tasks_total", "outcome=\"script_error\"", 1);
        AssertAtLeast(metrics, "actorpool_task_wait_seconds_count", "pool=", 4);
        AssertAtLeast(metrics, "actorpool_task_run_seconds_count", "pool=", 4);
        AssertAtLeast(metrics, "actorpool_worker_retirements_total", "reason=\"budget\"", 1);
        AssertAtLeast(metrics, "actorpool_workers", "state=\"idle\"", 0);
    }

    /// <summary>Asserts that some sample of <paramref name="name"/> whose labels contain <paramref name="label"/> is at least <paramref name="min"/>.</summary>
    private static void AssertAtLeast(string metrics, string name, string label, double min)
    {
        var values = metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .ToList();
        Assert.True(values.Exists(v => v >= min), $"no sample {name}{{..{label}..}} >= {min} in /metrics:\n{metrics}");
    }
}
