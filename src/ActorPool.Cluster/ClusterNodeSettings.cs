using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Cluster;

/// <summary>
/// How a process joins the cluster, read from <c>CLUSTER_ROLE</c>, <c>CLUSTER_HOST</c>, <c>CLUSTER_PORT</c>, and
/// either <c>CLUSTER_SEEDS</c> (a fixed seed list) or <c>CLUSTER_DISCOVERY</c> (Akka.Management's cluster bootstrap:
/// nodes find each other through Akka.Discovery, so worker nodes can come and go without a seed list).
/// <c>standalone</c> (the default) means no cluster and no remoting port at all.
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

    /// <summary>
    /// How the node finds the cluster (<c>CLUSTER_DISCOVERY</c>): <see cref="ClusterDiscovery.Seeds"/> (the default) joins
    /// <see cref="Seeds"/>; the others run Akka.Management's cluster bootstrap with that discovery method.
    /// </summary>
    public ClusterDiscovery Discovery { get; init; } = ClusterDiscovery.Seeds;

    /// <summary>
    /// The port of this node's Akka.Management HTTP endpoint (<c>CLUSTER_MANAGEMENT_PORT</c>, default 8558), which
    /// bootstrapping nodes probe; only opened when <see cref="Discovery"/> is not <see cref="ClusterDiscovery.Seeds"/>.
    /// </summary>
    public int ManagementPort { get; init; } = DefaultManagementPort;

    /// <summary>
    /// The name the nodes of one cluster share in service discovery (<c>CLUSTER_SERVICE_NAME</c>, default
    /// <c>actorpool</c>): the key of the config endpoints.
    /// </summary>
    public string ServiceName { get; init; } = SystemName;

    /// <summary>
    /// The management endpoints (<c>host:port</c>) that config discovery lists (<c>CLUSTER_DISCOVERY_ENDPOINTS</c>);
    /// used only with <see cref="ClusterDiscovery.Config"/>.
    /// </summary>
    public ImmutableArray<string> DiscoveryEndpoints { get; init; } = [];

    /// <summary>
    /// How many contact points must be discovered before a new cluster is formed (<c>CLUSTER_REQUIRED_CONTACTS</c>,
    /// default 2, at least 1). A node joins an existing cluster as soon as any contact point belongs to one.
    /// </summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>The default <see cref="ManagementPort"/> (Akka.Management's).</summary>
    public const int DefaultManagementPort = 8558;

    /// <summary>True when the node forms or joins its cluster through the cluster bootstrap (not a seed list).</summary>
    public bool UsesBootstrap => !IsStandalone && Discovery != ClusterDiscovery.Seeds;

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

        var discovery = ClusterDiscovery.Seeds;
        var discoveryText = variable("CLUSTER_DISCOVERY");
        switch (string.IsNullOrWhiteSpace(discoveryText) ? "seeds" : discoveryText.Trim().ToLowerInvariant())
        {
            case "seeds":
                break;
            case "config":
                discovery = ClusterDiscovery.Config;
                break;
            default:
                errors.Add($"CLUSTER_DISCOVERY: '{discoveryText}' is not a discovery method; use seeds (CLUSTER_SEEDS) or config (CLUSTER_DISCOVERY_ENDPOINTS)");
                break;
        }

        if (discovery != ClusterDiscovery.Seeds && seeds.Count > 0)
        {
            errors.Add($"CLUSTER_SEEDS: a seed list and CLUSTER_DISCOVERY={discoveryText} exclude each other; unset one of them");
        }

        var managementPort = DefaultManagementPort;
        var managementText = variable("CLUSTER_MANAGEMENT_PORT");
        if (!string.IsNullOrWhiteSpace(managementText) && (!int.TryParse(managementText, NumberStyles.None, CultureInfo.InvariantCulture, out managementPort) || managementPort is < 1 or > 65535))
        {
            errors.Add($"CLUSTER_MANAGEMENT_PORT: '{managementText}' is not a port number 1..65535 (bootstrapping nodes probe it, so it must be fixed)");
        }

        var serviceName = variable("CLUSTER_SERVICE_NAME");
        serviceName = string.IsNullOrWhiteSpace(serviceName) ? SystemName : serviceName.Trim();
        if (!serviceName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"CLUSTER_SERVICE_NAME: '{serviceName}' may hold only letters, digits, '-', '_' and '.'");
        }

        var endpoints = ImmutableArray.CreateBuilder<string>();
        foreach (var endpoint in (variable("CLUSTER_DISCOVERY_ENDPOINTS") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var endpointPort) || endpointPort is < 1 or > 65535
                || endpoint.Contains('"', StringComparison.Ordinal) || endpoint.Contains('\\', StringComparison.Ordinal))
            {
                errors.Add($"CLUSTER_DISCOVERY_ENDPOINTS: '{endpoint}' is not a management endpoint such as 127.0.0.1:{DefaultManagementPort}");
                continue;
            }

            endpoints.Add(endpoint);
        }

        if (discovery == ClusterDiscovery.Config && endpoints.Count == 0 && !roles.ToImmutable().IsEmpty)
        {
            errors.Add($"CLUSTER_DISCOVERY_ENDPOINTS: config discovery needs the management endpoints of the nodes (host:port, comma-separated, e.g. 127.0.0.1:{DefaultManagementPort})");
        }

        var required = 2;
        var requiredText = variable("CLUSTER_REQUIRED_CONTACTS");
        if (!string.IsNullOrWhiteSpace(requiredText) && (!int.TryParse(requiredText, NumberStyles.None, CultureInfo.InvariantCulture, out required) || required < 1))
        {
            errors.Add($"CLUSTER_REQUIRED_CONTACTS: '{requiredText}' is not a number of contact points, at least 1");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid cluster settings: " + string.Join("; ", errors));
        }

        return new ClusterNodeSettings
        {
            Roles = roles.ToImmutable(),
            Host = host,
            Port = port,
            Seeds = seeds.ToImmutable(),
            Discovery = discovery,
            ManagementPort = managementPort,
            ServiceName = serviceName,
            DiscoveryEndpoints = endpoints.ToImmutable(),
            RequiredContactPoints = required,
        };
    }

    /// <summary>
    /// The HOCON for this node's address, roles and seeds (or cluster bootstrap and its discovery method), to layer
    /// over <c>hocon/gateway.conf</c> or <c>hocon/worker-node.conf</c> (which hold the provider, transport and
    /// split-brain resolver settings). Empty for a standalone process. With discovery, the node also needs
    /// <see cref="ClusterBootstrapping.WithClusterBootstrapping"/> (starts the bootstrap) and an HTTP listener on
    /// <see cref="ManagementPort"/> that answers <see cref="ClusterBootstrapping.SeedNodesPath"/>.
    /// </summary>
    public Config ToConfig()
    {
        if (IsStandalone)
        {
            return Config.Empty;
        }

        var node = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = {Quote(Host)}
            akka.remote.dot-netty.tcp.port = {Port}
            akka.cluster.roles = [{string.Join(", ", Roles.Select(Quote))}]
            akka.cluster.seed-nodes = [{string.Join(", ", Seeds.Select(s => Quote(s.ToString())))}]
            """));
        return Discovery == ClusterDiscovery.Seeds ? node : BootstrapConfig().WithFallback(node);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// Akka.Management on <see cref="Host"/>:<see cref="ManagementPort"/>, the cluster bootstrap, and the discovery
    /// method. The bootstrap forms a new cluster only when <see cref="RequiredContactPoints"/> contact points are
    /// discovered and none of them belongs to a cluster yet (the lowest address then joins itself); otherwise it
    /// joins the cluster its contact points report, which is how a node that starts later, or is scaled up, joins.
    /// </summary>
    private Config BootstrapConfig()
    {
        const string method = "config";
        var discovery = $$"""
              akka.discovery.config.services.{{Quote(ServiceName)}}.endpoints = [{{string.Join(", ", DiscoveryEndpoints.Select(Quote))}}]
              akka.management.cluster.bootstrap {
                # The endpoints carry their own ports (several nodes may share a host), so none is filtered out;
                # a fixed list cannot fluctuate, so a short stable margin is as safe as a long one.
                contact-point.filter-on-fallback-port = false
                contact-point-discovery.stable-margin = 2s
                contact-point.probe-interval = 1s
              }
              """;
        return ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $$"""
            akka.discovery.method = {{method}}
            {{discovery}}
            akka.management {
              http.hostname = {{Quote(Host)}}
              http.port = {{ManagementPort}}
              cluster.bootstrap {
                contact-point-discovery {
                  service-name = {{Quote(ServiceName)}}
                  discovery-method = {{method}}
                  required-contact-point-nr = {{RequiredContactPoints}}
                }
                contact-point.fallback-port = {{ManagementPort}}
              }
            }
            """));
    }
}
