namespace ActorPool.Cluster;

/// <summary>
/// An <see cref="IScriptPool"/> that routes to the pools of a cluster's worker nodes, and reports the cluster as
/// it sees it. Dependency injection hands it out on gateway nodes (<c>AddClusterScriptRouter</c>).
/// </summary>
public interface IClusterScriptPool : IScriptPool
{
    /// <summary>The cluster's members, their reachability and their pools' stats, as the router sees them now.</summary>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <exception cref="Akka.Actor.AskTimeoutException">The router did not answer in time.</exception>
    Task<ClusterPoolState> GetClusterStateAsync(CancellationToken cancellationToken = default);
}
