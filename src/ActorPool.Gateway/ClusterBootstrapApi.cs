using System.Net;
using ActorPool.Cluster;
using Akka.Actor;

namespace ActorPool.Gateway;

/// <summary>
/// The cluster bootstrap's contact point (<c>GET /bootstrap/seed-nodes</c>) on its own port,
/// <c>CLUSTER_MANAGEMENT_PORT</c>, when the node forms its cluster through discovery (<c>CLUSTER_DISCOVERY</c>).
/// Other bootstrapping nodes probe it; nothing else is served on that port (see
/// <see cref="ClusterBootstrapping"/> for why Kestrel serves it).
/// </summary>
internal static class ClusterBootstrapApi
{
    /// <summary>The extra listen URL for the management port: <c>CLUSTER_HOST</c> when it is an IP address, else every interface.</summary>
    public static IEnumerable<string> Urls(ClusterNodeSettings cluster)
    {
        if (!cluster.UsesBootstrap)
        {
            yield break;
        }

        var host = IPAddress.TryParse(cluster.Host, out var ip)
            ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString()
            : "*";
        yield return $"http://{host}:{cluster.ManagementPort}";
    }

    /// <summary>Answers <see cref="ClusterBootstrapping.SeedNodesPath"/> on the management port, and 404 to anything else there.</summary>
    public static void MapClusterBootstrap(this WebApplication app, ClusterNodeSettings cluster)
    {
        if (!cluster.UsesBootstrap)
        {
            return;
        }

        app.Use((context, next) =>
        {
            if (context.Connection.LocalPort != cluster.ManagementPort)
            {
                return next(context);
            }

            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == ClusterBootstrapping.SeedNodesPath)
            {
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(ClusterBootstrapping.SeedNodesJson(context.RequestServices.GetRequiredService<ActorSystem>()), context.RequestAborted);
            }

            return ApiError.Result(StatusCodes.Status404NotFound, "not_found", $"the management port serves only GET {ClusterBootstrapping.SeedNodesPath}").ExecuteAsync(context);
        });
    }
}
