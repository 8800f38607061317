using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Cluster;

/// <summary>
/// How a process joins the cluster, read from <c>CLUSTER_ROLE</c>, <c>CLUSTER_HOST</c>, <c>CLUSTER_PORT</c> and
/// <c>CLUSTER_SEEDS</c>. <c>standalone</c> (the default) means no cluster and no remoting port at all.
/// </summary>
public sealed record ClusterNodeSettings
{
    /// <summary>The actor system name every node uses, so seed addresses read <c>akka.tcp://actorpool@host:port</c>.</summary>
    public const string SystemName = "actorpool";

    /// <summary>The role of nodes that take requests and route them.</summary>
    public const string GatewayRole = "gateway";

    /// <summary>The role of nodes that run a pool.</summary>
    public const string WorkerRole = "script-worker";

    /// <summary>The node's roles; empty for a standalone process.</summary>
    public required ImmutableSortedSet<string> Roles { get; init; }

    /// <summary>The address other nodes reach this one at (<c>CLUSTER_HOST</c>, default 127.0.0.1).</summary>
    public required string Host { get; init; }

    /// <summary>The remoting port (<c>CLUSTER_PORT</c>, default 0 = any free port).</summary>
    public required int Port { get; init; }

    /// <summary>The seed nodes to join (<c>CLUSTER_SEEDS</c>); empty means this node starts a new cluster.</summary>
    public required ImmutableArray<Address> Seeds { get; init; }

    /// <summary>True for a process that is not a cluster member.</summary>
    public bool IsStandalone => Roles.IsEmpty;

    /// <summary>True when this node takes requests and routes them to workers.</summary>
    public bool IsGateway => Roles.Contains(GatewayRole);

    /// <summary>True when this node runs a pool for the cluster.</summary>
    public bool IsWorker => Roles.Contains(WorkerRole);

    /// <summary>Reads the settings from environment-style variables.</summary>
    /// <param name="variable">Looks up one variable by name (null when unset).</param>
    /// <exception cref="ArgumentException">One or more values are invalid; the message names each variable.</exception>
    public static ClusterNodeSettings FromVariables(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var errors = new List<string>();

        var roleText = variable("CLUSTER_ROLE");
        var roles = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var role in (string.IsNullOrWhiteSpace(roleText) ? "standalone" : roleText).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (role)
            {
                case "standalone":
                    break;
                case GatewayRole or WorkerRole:
                    roles.Add(role);
                    break;
                default:
                    errors.Add($"CLUSTER_ROLE: '{role}' is not a role; use standalone, {GatewayRole}, {WorkerRole} or {GatewayRole},{WorkerRole}");
                    break;
            }
        }

        var host = variable("CLUSTER_HOST");
        host = string.IsNullOrWhiteSpace(host) ? "127.0.0.1" : host.Trim();

        var port = 0;
        var portText = variable("CLUSTER_PORT");
        if (!string.IsNullOrWhiteSpace(portText) && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            errors.Add($"CLUSTER_PORT: '{portText}' is not a port number 0..65535 (0 = any free port)");
        }

        var seeds = ImmutableArray.CreateBuilder<Address>();
        foreach (var seed in (variable("CLUSTER_SEEDS") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var address = Address.Parse(seed);
                if (address.System != SystemName || address.Host is null || address.Port is null)
                {
                    errors.Add($"CLUSTER_SEEDS: '{seed}' must read akka.tcp://{SystemName}@<host>:<port>");
                    continue;
                }

                seeds.Add(address);
            }
            catch (UriFormatException)
            {
                errors.Add($"CLUSTER_SEEDS: '{seed}' is not an address such as akka.tcp://{SystemName}@127.0.0.1:4053");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid cluster settings: " + string.Join("; ", errors));
        }

        return new ClusterNodeSettings { Roles = roles.ToImmutable(), Host = host, Port = port, Seeds = seeds.ToImmutable() };
    }

    /// <summary>
    /// The HOCON for this node's address, roles and seeds, to layer over <c>hocon/gateway.conf</c> or
    /// <c>hocon/worker-node.conf</c> (which hold the provider, transport and split-brain resolver settings).
    /// Empty for a standalone process.
    /// </summary>
    public Config ToConfig()
    {
        if (IsStandalone)
        {
            return Config.Empty;
        }

        static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = {Quote(Host)}
            akka.remote.dot-netty.tcp.port = {Port}
            akka.cluster.roles = [{string.Join(", ", Roles.Select(Quote))}]
            akka.cluster.seed-nodes = [{string.Join(", ", Seeds.Select(s => Quote(s.ToString())))}]
            """));
    }
}
