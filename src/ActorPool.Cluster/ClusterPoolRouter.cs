using System.Collections.Immutable;
using ActorPool.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorPool.Cluster;

/// <summary>
/// Runs on a gateway node and speaks the pool protocol, so a <see cref="ScriptPool"/> facade can attach to it
/// (<see cref="ScriptPool.Attach"/>). It follows cluster membership, finds the pool supervisor of every member
/// with the worker role, and routes each task to one of them: by module (rendezvous hashing, so a module's
/// prepared code stays warm on one node and only moves when membership changes), falling back to the next node
/// when a node answers <see cref="FailureKind.Overloaded"/>. It watches every supervisor: when a node is lost,
/// the tasks it had are answered at once (<see cref="FailureKind.WorkerCrashed"/>), or retried once on another
/// node when they are marked idempotent.
/// </summary>
public sealed class ClusterPoolRouter : UntypedActor
{
    private readonly ClusterPoolOptions _options;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Address, Node> _nodes = [];
    private readonly Dictionary<string, Routed> _tasks = new(StringComparer.Ordinal);

    /// <summary>Creates the router.</summary>
    public ClusterPoolRouter(ClusterPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Props for a router with <paramref name="options"/>.</summary>
    public static Props Props(ClusterPoolOptions options) => Akka.Actor.Props.Create(() => new ClusterPoolRouter(options));

    /// <inheritdoc />
    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    /// <inheritdoc />
    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var task in _tasks.Values.ToList())
        {
            Answer(task, new ScriptFailed(task.Command.TaskId, FailureKind.ShuttingDown, "the cluster router stopped before the task was answered"));
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunScript run:
                Accept(run, Sender);
                break;
            case RunScriptBatch batch:
                // Calls of one batch may belong on different nodes; the router routes calls, so a batch is refused
                // at once, call by call, rather than left unanswered (ClusterScriptPool sends batches call by call).
                Sender.Tell(new ScriptBatchCompleted(batch.TaskId, [.. (batch.Calls ?? []).Select(call => (IScriptReply)new ScriptFailed(call.TaskId, FailureKind.InvalidRequest, "the cluster router does not route batches; send the calls one by one (ClusterScriptPool.RunBatchAsync does)"))]));
                break;
            case IScriptReply reply:
                OnReply(reply);
                break;
            case CancelScript cancel:
                if (_tasks.TryGetValue(cancel.TaskId, out var cancelled))
                {
                    cancelled.Node.Supervisor?.Tell(cancel);
                }

                break;
            case ClusterEvent.MemberUp up:
                OnMemberUp(up.Member);
                break;
            case ClusterEvent.MemberLeft left:
                Unroutable(left.Member.Address);
                break;
            case ClusterEvent.MemberExited exited:
                Unroutable(exited.Member.Address);
                break;
            case ClusterEvent.MemberRemoved removed:
                NodeLost(removed.Member.Address, "it was removed from the cluster");
                break;
            case ClusterEvent.UnreachableMember unreachable:
                NodeLost(unreachable.Member.Address, "it became unreachable");
                break;
            case ClusterEvent.ReachableMember reachable:
                OnMemberUp(reachable.Member);
                break;
            case ActorIdentity { MessageId: Address address, Subject: { } supervisor }:
                OnSupervisorFound(address, supervisor);
                break;
            case ActorIdentity:
                break;
            case NodeCapacity capacity:
                if (_nodes.TryGetValue(capacity.Address, out var sized))
                {
                    sized.Capacity = Math.Max(1, capacity.Workers);
                }

                break;
            case Terminated terminated:
                NodeLost(terminated.ActorRef.Path.Address, "its pool supervisor terminated");
                break;
            case GetClusterPoolState:
                StateAsync().PipeTo(Sender);
                break;
            case GetPoolStats:
                TotalsAsync().PipeTo(Sender);
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnMemberUp(Member member)
    {
        if (member.Status != MemberStatus.Up || !member.HasRole(_options.WorkerRole))
        {
            return;
        }

        if (!_nodes.TryGetValue(member.Address, out var node))
        {
            node = new Node(member.Address);
            _nodes.Add(member.Address, node);
        }

        node.Reachable = true;
        if (node.Supervisor is null)
        {
            // Identify carries the address so the answer can be matched to its node.
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / _options.PoolName).Tell(new Identify(member.Address));
        }
    }

    private void OnSupervisorFound(Address address, IActorRef supervisor)
    {
        if (_nodes.TryGetValue(address, out var node) && node.Reachable)
        {
            node.Supervisor = supervisor;
            Context.Watch(supervisor);
            supervisor.Ask<PoolStats>(GetPoolStats.Instance, _options.StatsTimeout)
                .PipeTo(Self, success: stats => new NodeCapacity(address, stats.TargetWorkers), failure: _ => new NodeCapacity(address, 1));
            _log.Info("Routing script tasks to {0}", address);
        }
    }

    private void Unroutable(Address address)
    {
        // A leaving node finishes what it has (its pool drains); it gets no new tasks.
        if (_nodes.TryGetValue(address, out var node))
        {
            node.Reachable = false;
        }
    }

    private void NodeLost(Address address, string why)
    {
        if (!_nodes.Remove(address, out var node))
        {
            return;
        }

        if (node.Supervisor is { } supervisor)
        {
            Context.Unwatch(supervisor);
        }

        var lost = _tasks.Values.Where(t => t.Node == node).ToList();
        if (lost.Count > 0)
        {
            _log.Warning("Node {0} is lost ({1}); {2} tasks were in flight there", address, why, lost.Count);
        }

        foreach (var task in lost)
        {
            if (task.Command.Idempotent && !task.Retried && Pick(task.Command.Module, task.Tried) is { } other)
            {
                task.Retried = true;
                Send(task, other);
                continue;
            }

            Answer(task, new ScriptFailed(task.Command.TaskId, FailureKind.WorkerCrashed, $"node {address} was lost while it had the task ({why}); it may or may not have run"));
        }
    }

    private void Accept(RunScript run, IActorRef caller)
    {
        if (string.IsNullOrEmpty(run.TaskId) || _tasks.ContainsKey(run.TaskId))
        {
            caller.Tell(new ScriptFailed(run.TaskId ?? string.Empty, FailureKind.InvalidRequest, "task ids must be non-empty and unique among tasks in flight"));
            return;
        }

        if (Pick(run.Module, []) is not { } node)
        {
            caller.Tell(new ScriptFailed(run.TaskId, FailureKind.PoolUnavailable, $"no reachable node with role '{_options.WorkerRole}' runs a pool named '{_options.PoolName}'; retry later"));
            return;
        }

        var task = new Routed(run, caller, node);
        _tasks.Add(run.TaskId, task);
        Send(task, node);
    }

    private void Send(Routed task, Node node)
    {
        task.Node = node;
        task.Tried.Add(node.Address);
        node.InFlight++;
        node.Supervisor!.Tell(task.Command, Self);
    }

    private void OnReply(IScriptReply reply)
    {
        if (!_tasks.TryGetValue(reply.TaskId, out var task))
        {
            return;
        }

        task.Node.InFlight--;
        // Overloaded, or a leaving node's drain answer for a still-queued task: it never ran there, so another
        // node may take it.
        if (reply is ScriptFailed { Kind: FailureKind.Overloaded } or ScriptFailed { Kind: FailureKind.ShuttingDown, TaskNeverStarted: true }
            && Pick(task.Command.Module, task.Tried) is { } other)
        {
            Send(task, other);
            return;
        }

        task.Node.Served++;
        Answer(task, reply);
    }

    private void Answer(Routed task, IScriptReply reply)
    {
        if (_tasks.Remove(task.Command.TaskId))
        {
            task.Caller.Tell(reply, Self);
        }
    }

    /// <summary>
    /// The node for <paramref name="module"/>: in the module's rendezvous order (highest weight first), the first
    /// routable node with a free worker; when every node is full, the first one. Skips <paramref name="exclude"/>.
    /// </summary>
    private Node? Pick(string module, HashSet<Address> exclude)
    {
        Node? first = null, firstFree = null;
        ulong firstWeight = 0, freeWeight = 0;
        foreach (var node in _nodes.Values)
        {
            if (!node.Routable || exclude.Contains(node.Address))
            {
                continue;
            }

            var weight = Weight(module, node.Key);
            if (first is null || weight > firstWeight)
            {
                (first, firstWeight) = (node, weight);
            }

            if (node.InFlight < node.Capacity && (firstFree is null || weight > freeWeight))
            {
                (firstFree, freeWeight) = (node, weight);
            }
        }

        return firstFree ?? first;
    }

    private static ulong Weight(string module, string node)
    {
        // FNV-1a over "module|node": stable across processes (string.GetHashCode is randomized per process).
        var hash = 14695981039346656037UL;
        foreach (var c in module)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ '|') * 1099511628211UL;
        foreach (var c in node)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>Asks every routable node's pool for its stats (a node that does not answer in time is left out).</summary>
    private Task<(Address Address, PoolStats? Stats)[]> NodeStatsAsync() =>
        Task.WhenAll(_nodes.Values.Where(n => n.Routable).Select(async n =>
        {
            try
            {
                return (n.Address, (PoolStats?)await n.Supervisor!.Ask<PoolStats>(GetPoolStats.Instance, _options.StatsTimeout).ConfigureAwait(false));
            }
            catch (AskTimeoutException)
            {
                return (n.Address, (PoolStats?)null);
            }
        }));

    private async Task<ClusterPoolState> StateAsync()
    {
        // Read actor state now, on the actor's thread; only the asks run later.
        var members = _cluster.State.Members.ToList();
        var unreachable = _cluster.State.Unreachable;
        var routing = _nodes.Values.ToDictionary(n => n.Address, n => (n.Routable, n.InFlight, n.Served));
        var stats = (await NodeStatsAsync().ConfigureAwait(false)).ToDictionary(s => s.Address, s => s.Stats);
        return new ClusterPoolState([.. members.Select(m =>
        {
            var node = routing.TryGetValue(m.Address, out var r) ? r : default;
            return new ClusterMemberState(
                m.Address.ToString(),
                [.. m.Roles.Order(StringComparer.Ordinal)],
                m.Status.ToString(),
                !unreachable.Contains(m),
                node.Routable,
                node.InFlight,
                node.Served,
                stats.GetValueOrDefault(m.Address));
        })]);
    }

    /// <summary>The pools of all routable nodes added up, as one <see cref="PoolStats"/>.</summary>
    private async Task<PoolStats> TotalsAsync()
    {
        var all = (await NodeStatsAsync().ConfigureAwait(false)).Select(s => s.Stats).OfType<PoolStats>().ToList();
        static ImmutableDictionary<TKey, long> Sum<TKey>(IEnumerable<ImmutableDictionary<TKey, long>> maps)
            where TKey : notnull =>
            maps.SelectMany(m => m).GroupBy(kv => kv.Key).ToImmutableDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

        return new PoolStats(
            all.Sum(s => s.TargetWorkers),
            all.Sum(s => s.IdleWorkers),
            all.Sum(s => s.BusyWorkers),
            all.Sum(s => s.StartingWorkers),
            all.Sum(s => s.QueueLength),
            all.Sum(s => s.MaxQueueLength),
            all.Count == 0 || all.All(s => s.Latched),
            all.Count > 0 && all.All(s => s.Draining),
            all.Sum(s => s.Succeeded),
            Sum(all.Select(s => s.Failures)),
            Sum(all.Select(s => s.Retirements)),
            all.Sum(s => s.AbandonedEngines),
            all.Count == 0 ? 0 : all.Min(s => s.ConsecutiveStartFailures),
            all.Sum(s => s.RecoveringWorkers))
        {
            // The engine kinds that serve, e.g. "v8" or "jint,v8" when nodes differ (a node whose V8 did not load).
            EngineKind = all.Count == 0 ? ActorPool.Engines.ScriptEngineKinds.Jint : string.Join(',', all.Select(s => s.EngineKind).Distinct().Order(StringComparer.Ordinal)),
        };
    }

    private sealed class Node(Address address)
    {
        public Address Address { get; } = address;

        public string Key { get; } = address.ToString();

        public IActorRef? Supervisor { get; set; }

        public bool Reachable { get; set; } = true;

        public int InFlight { get; set; }

        /// <summary>Its pool's worker count, learnt when it is found; tasks beyond it wait in that pool's queue.</summary>
        public int Capacity { get; set; }

        /// <summary>True once its pool is found and its size known: only then does it get tasks.</summary>
        public bool Routable => Reachable && Supervisor is not null && Capacity > 0;

        public long Served { get; set; }
    }

    private sealed record NodeCapacity(Address Address, int Workers);

    private sealed class Routed(RunScript command, IActorRef caller, Node node)
    {
        public RunScript Command { get; } = command;

        public IActorRef Caller { get; } = caller;

        public Node Node { get; set; } = node;

        public HashSet<Address> Tried { get; } = [];

        public bool Retried { get; set; }
    }
}

/// <summary>Options of a <see cref="ClusterPoolRouter"/>.</summary>
public sealed record ClusterPoolOptions
{
    /// <summary>The role of nodes that run a pool. Default <c>script-worker</c>.</summary>
    public string WorkerRole { get; init; } = "script-worker";

    /// <summary>The actor name of the pool supervisor on worker nodes (under <c>/user</c>). Default <c>script-pool</c>.</summary>
    public string PoolName { get; init; } = "script-pool";

    /// <summary>How long the router waits for each node's stats when asked for the cluster's state. Default 2 s.</summary>
    public TimeSpan StatsTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>Asks a <see cref="ClusterPoolRouter"/> for a <see cref="ClusterPoolState"/>.</summary>
public sealed record GetClusterPoolState
{
    /// <summary>The single instance.</summary>
    public static GetClusterPoolState Instance { get; } = new();

    private GetClusterPoolState()
    {
    }
}

/// <summary>The cluster as a router sees it.</summary>
/// <param name="Members">Every member, with its roles, status, reachability and what the router sent it.</param>
public sealed record ClusterPoolState(ImmutableArray<ClusterMemberState> Members);

/// <summary>One member of the cluster.</summary>
/// <param name="Address">The member's address.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Status">Its membership status.</param>
/// <param name="Reachable">False while the failure detector considers it unreachable.</param>
/// <param name="Routable">True when the router has found its pool and sends it tasks.</param>
/// <param name="InFlight">Tasks the router has waiting on it now.</param>
/// <param name="Served">Tasks it has answered through this router.</param>
/// <param name="Pool">Its pool's stats (queue, workers), or null for a node without a pool or that did not answer.</param>
public sealed record ClusterMemberState(string Address, ImmutableArray<string> Roles, string Status, bool Reachable, bool Routable, int InFlight, long Served, PoolStats? Pool);
