using ActorPool.Cluster;
using Akka.Actor;
using Prometheus;

namespace ActorPool.Gateway;

/// <summary>The cluster as Prometheus gauges, read from the router when <c>/metrics</c> is scraped.</summary>
internal static class ClusterMetrics
{
    private static readonly Gauge s_members = Metrics.CreateGauge("actorpool_cluster_members", "Cluster members by address, roles, status and reachability (1 per member).", "address", "roles", "status", "reachable");
    private static readonly Gauge s_queue = Metrics.CreateGauge("actorpool_cluster_node_queue_length", "Tasks queued in each worker node's pool.", "address");
    private static readonly Gauge s_workers = Metrics.CreateGauge("actorpool_cluster_node_workers", "Workers of each worker node's pool by state.", "address", "state");
    private static readonly Gauge s_inFlight = Metrics.CreateGauge("actorpool_cluster_node_in_flight", "Tasks this gateway has waiting on each worker node.", "address");
    private static IClusterScriptPool? s_cluster;
    private static int s_registered;

    /// <summary>Adds the scrape callback once per process; it reads the router of the latest gateway built.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            Metrics.DefaultRegistry.AddBeforeCollectCallback(CollectAsync);
        }
    }

    /// <summary>Points the gauges at a started gateway's router.</summary>
    public static void Attach(IClusterScriptPool cluster) => s_cluster = cluster;

    private static async Task CollectAsync(CancellationToken cancellationToken)
    {
        if (s_cluster is not { } cluster)
        {
            return;
        }

        ClusterPoolState state;
        try
        {
            state = await cluster.GetClusterStateAsync(cancellationToken).ConfigureAwait(false);
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
