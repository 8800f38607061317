using ActorPool.Cluster;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>Ready when the gateway's router has at least one worker node whose pool it can route to.</summary>
internal sealed class ClusterReadyCheck(ActorRegistry registry) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!registry.TryGet<ClusterPoolRouter>(out var router))
        {
            return HealthCheckResult.Unhealthy("the cluster router has not started");
        }

        var state = await router.Ask<ClusterPoolState>(GetClusterPoolState.Instance, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        var routable = state.Members.Count(m => m.Routable);
        return routable > 0
            ? HealthCheckResult.Healthy($"{routable} worker node(s) reachable")
            : HealthCheckResult.Unhealthy($"no reachable node with role {ClusterNodeSettings.WorkerRole} runs a pool");
    }
}

/// <summary>The cluster as Prometheus gauges, read from the router when <c>/metrics</c> is scraped.</summary>
internal static class ClusterMetrics
{
    private static readonly Gauge s_members = Metrics.CreateGauge("actorpool_cluster_members", "Cluster members by address, roles, status and reachability (1 per member).", "address", "roles", "status", "reachable");
    private static readonly Gauge s_queue = Metrics.CreateGauge("actorpool_cluster_node_queue_length", "Tasks queued in each worker node's pool.", "address");
    private static readonly Gauge s_workers = Metrics.CreateGauge("actorpool_cluster_node_workers", "Workers of each worker node's pool by state.", "address", "state");
    private static readonly Gauge s_inFlight = Metrics.CreateGauge("actorpool_cluster_node_in_flight", "Tasks this gateway has waiting on each worker node.", "address");
    private static ActorRegistry? s_registry;
    private static int s_registered;

    /// <summary>Adds the scrape callback once per process; it reads the router of the latest gateway built.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            Metrics.DefaultRegistry.AddBeforeCollectCallback(CollectAsync);
        }
    }

    /// <summary>Points the gauges at a started gateway's registry.</summary>
    public static void Attach(ActorRegistry registry) => s_registry = registry;

    private static async Task CollectAsync(CancellationToken cancellationToken)
    {
        if (s_registry is not { } registry || !registry.TryGet<ClusterPoolRouter>(out var router))
        {
            return;
        }

        ClusterPoolState state;
        try
        {
            state = await router.Ask<ClusterPoolState>(GetClusterPoolState.Instance, TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AskTimeoutException or OperationCanceledException)
        {
            return;
        }

        // Members come and go: start from empty so a removed member's series disappears.
        foreach (var gauge in new[] { s_members, s_queue, s_workers, s_inFlight })
        {
            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                gauge.RemoveLabelled(labels);
            }
        }

        foreach (var member in state.Members)
        {
            s_members.WithLabels(member.Address, string.Join(",", member.Roles), member.Status, member.Reachable ? "true" : "false").Set(1);
            if (member.Pool is { } pool)
            {
                s_queue.WithLabels(member.Address).Set(pool.QueueLength);
                s_workers.WithLabels(member.Address, "idle").Set(pool.IdleWorkers);
                s_workers.WithLabels(member.Address, "busy").Set(pool.BusyWorkers);
                s_workers.WithLabels(member.Address, "starting").Set(pool.StartingWorkers);
            }

            if (member.Routable)
            {
                s_inFlight.WithLabels(member.Address).Set(member.InFlight);
            }
        }
    }
}
