namespace ActorPool.Cluster;

/// <summary>How a cluster node finds the others (<c>CLUSTER_DISCOVERY</c>).</summary>
public enum ClusterDiscovery
{
    /// <summary>Join the fixed seed list in <c>CLUSTER_SEEDS</c> (empty: start a new cluster). The default.</summary>
    Seeds,

    /// <summary>
    /// Akka.Management's cluster bootstrap with config discovery: the management endpoints listed in
    /// <c>CLUSTER_DISCOVERY_ENDPOINTS</c>: compose files, Kubernetes StatefulSets (stable pod names), tests.
    /// </summary>
    Config,
}
