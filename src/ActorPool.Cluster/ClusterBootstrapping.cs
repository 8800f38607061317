using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Newtonsoft.Json;

namespace ActorPool.Cluster;

/// <summary>
/// Forms the cluster without a seed list: Akka.Management's cluster bootstrap finds the other nodes through
/// Akka.Discovery (<see cref="ClusterNodeSettings.Discovery"/>), probes each one's <see cref="SeedNodesPath"/>, joins
/// the cluster they report, or, when none reports one, lets the lowest contact point form it.
/// </summary>
/// <remarks>
/// The bootstrap runs as Akka.Management ships it (discovery, probing, join decision); only its HTTP endpoint is
/// served by the host (the gateway's Kestrel, see docs/deploy.md) instead of Akka.Management's own HTTP server,
/// because the server library that one depends on is served here only in a version it cannot call
/// (Ceen.Httpd 0.9.10 changed the listen method Akka.Http.Shim 1.5.73 binds to). <see cref="SeedNodesJson"/>
/// answers with Akka.Management's own contract types, so probes from any Akka.Management node understand it.
/// </remarks>
public static class ClusterBootstrapping
{
    /// <summary>The path bootstrapping nodes probe on each contact point's management port.</summary>
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    /// <summary>
    /// Starts the cluster bootstrap when the actor system starts, if <paramref name="settings"/> use discovery
    /// (<see cref="ClusterNodeSettings.UsesBootstrap"/>); does nothing otherwise. The node's own contact point is
    /// <c>http://&lt;CLUSTER_HOST&gt;:&lt;CLUSTER_MANAGEMENT_PORT&gt;/</c>, which the host must serve (see <see cref="SeedNodesJson"/>).
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="settings">The node's cluster settings; their <see cref="ClusterNodeSettings.ToConfig"/> must be part of the system's HOCON.</param>
    public static AkkaConfigurationBuilder WithClusterBootstrapping(this AkkaConfigurationBuilder builder, ClusterNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.UsesBootstrap)
        {
            return builder;
        }

        // StartAsync handles its own failures (logs, stops the system), so the task needs no observer.
        return builder.WithActors((system, registry) => { _ = StartAsync(system, settings); });
    }

    /// <summary>
    /// Starts the bootstrap on <paramref name="system"/> (its config must come from <paramref name="settings"/>).
    /// A failure is logged and stops the actor system, as Akka.Management's own autostart does: a node that cannot
    /// join must not look healthy.
    /// </summary>
    /// <param name="system">The node's actor system.</param>
    /// <param name="settings">The node's cluster settings.</param>
    public static async Task StartAsync(ActorSystem system, ClusterNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var bootstrap = ClusterBootstrap.Get(system);
            // Setting the routes' base URI is how Akka.Management tells the bootstrap its own contact point.
            bootstrap.Routes(ManagementRouteProviderSettings.Create(SelfContactPoint(settings), readOnly: true));
            await bootstrap.Start().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure to start the bootstrap ends the node; it is logged first.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            system.Log.Error(ex, "The cluster bootstrap could not start ({0} discovery); stopping the actor system", settings.Discovery);
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>The node's own contact point: <c>http://&lt;host&gt;:&lt;management port&gt;/</c>.</summary>
    /// <param name="settings">The node's cluster settings.</param>
    public static Uri SelfContactPoint(ClusterNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new UriBuilder(Uri.UriSchemeHttp, settings.Host, settings.ManagementPort, "/").Uri;
    }

    /// <summary>
    /// The body of <see cref="SeedNodesPath"/>: this node's address and the cluster's reachable members that are up,
    /// weakly up or joining (empty while the node is not in a cluster, or is leaving it), in Akka.Management's format.
    /// </summary>
    /// <param name="system">The node's actor system.</param>
    /// <param name="maxSeedNodes">How many members to list at most (Akka.Management's default is 5).</param>
    public static string SeedNodesJson(ActorSystem system, int maxSeedNodes = 5)
    {
        ArgumentNullException.ThrowIfNull(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfMember;
        var members = ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty;
        if (self.Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed))
        {
            var state = cluster.State;
            members = [.. state.Members
                .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Take(maxSeedNodes)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))];
        }

        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
    }
}
