using System.Globalization;

namespace ActorPool.Gateway.Tests;

/// <summary>
/// A cluster of processes of the gateway binary on 127.0.0.1: one gateway node (also the seed) and script-worker
/// nodes on ports chosen here, so a test knows each worker's cluster address. Every node started through it is
/// stopped on dispose, the workers first.
/// </summary>
public sealed class ProcessCluster : IDisposable
{
    private readonly List<(GatewayProcess Process, string Address)> _workers = [];
    private readonly IReadOnlyDictionary<string, string> _workerEnvironment;

    private ProcessCluster(GatewayProcess gateway, string seed, IReadOnlyDictionary<string, string> workerEnvironment)
    {
        Gateway = gateway;
        Seed = seed;
        _workerEnvironment = workerEnvironment;
    }

    /// <summary>The gateway node (role <c>gateway</c>), the cluster's seed.</summary>
    public GatewayProcess Gateway { get; }

    /// <summary>The seed address, <c>akka.tcp://actorpool@127.0.0.1:port</c>.</summary>
    public string Seed { get; }

    /// <summary>Every worker node started so far, in order, with its cluster address.</summary>
    public IReadOnlyList<(GatewayProcess Process, string Address)> Workers => _workers;

    /// <summary>
    /// Starts the gateway node and <paramref name="workers"/> worker nodes (each with <c>MAX_THREADS=1</c>), without
    /// waiting for any of them. <paramref name="gatewayEnvironment"/> and <paramref name="workerEnvironment"/> add to
    /// (or override) the cluster variables of each role; the worker ones apply to workers started later too.
    /// </summary>
    public static ProcessCluster Start(
        int workers,
        IReadOnlyDictionary<string, string>? gatewayEnvironment = null,
        IReadOnlyDictionary<string, string>? workerEnvironment = null)
    {
        var seedPort = GatewayProcess.FreePort();
        var seed = Address(seedPort);
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_ROLE"] = "gateway",
            ["CLUSTER_PORT"] = seedPort.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SEEDS"] = seed,
        };
        foreach (var (key, value) in gatewayEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new ProcessCluster(GatewayProcess.Start(environment), seed, workerEnvironment ?? new Dictionary<string, string>());
        try
        {
            for (var i = 0; i < workers; i++)
            {
                cluster.StartWorker();
            }

            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts one more worker node (stopped with the cluster) and returns it with its cluster address.</summary>
    /// <param name="environment">Variables for this worker only, over the cluster's worker variables.</param>
    public (GatewayProcess Worker, string Address) StartWorker(IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = GatewayProcess.FreePort();
        var variables = new Dictionary<string, string>
        {
            ["CLUSTER_ROLE"] = "script-worker",
            ["CLUSTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CLUSTER_SEEDS"] = Seed,
            ["MAX_THREADS"] = "1",
        };
        foreach (var (key, value) in _workerEnvironment.Concat(environment ?? new Dictionary<string, string>()))
        {
            variables[key] = value;
        }

        var worker = (GatewayProcess.Start(variables), Address(port));
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Waits until the gateway is ready and <paramref name="routable"/> worker nodes take work (of <paramref name="pool"/>, or of the script pool when null).</summary>
    public async Task WaitRoutableAsync(int routable, TimeSpan max, string? pool = null)
    {
        await Gateway.WaitReadyAsync(max);
        await ClusterMembers.AwaitRoutableAsync(Gateway, routable, max, pool);
    }

    /// <summary>
    /// Sends <paramref name="requests"/> calls through <paramref name="send"/>, 8 at a time; once a third of them are
    /// answered, kills (SIGKILL) the worker node the gateway routed most work of <paramref name="pool"/> to, then
    /// waits for the rest. Each wait fails after <paramref name="bound"/> (a hang). Returns every answer (in the
    /// order they came) and the killed node's address.
    /// </summary>
    public async Task<(List<T> Answers, string Killed)> KillBusiestWorkerUnderLoadAsync<T>(int requests, Func<int, Task<T>> send, TimeSpan bound, string? pool = null)
    {
        var answers = new List<T>();
        var answered = 0;
        var third = new TaskCompletionSource();
        using var gate = new SemaphoreSlim(8);
        var calls = Enumerable.Range(0, requests).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var answer = await send(i);
                lock (answers)
                {
                    answers.Add(answer);
                }

                if (Interlocked.Increment(ref answered) == requests / 3)
                {
                    third.TrySetResult();
                }
            }
            finally
            {
                gate.Release();
            }
        }).ToList();

        await third.Task.WaitAsync(bound);
        var busiest = await ClusterMembers.BusiestAsync(Gateway, pool);
        _workers.Single(w => w.Address == busiest).Process.Signal(9);
        await Task.WhenAll(calls).WaitAsync(bound);
        return (answers, busiest);
    }

    /// <summary>Stops the worker nodes, then the gateway node.</summary>
    public void Dispose()
    {
        foreach (var (worker, _) in _workers)
        {
            worker.Dispose();
        }

        Gateway.Dispose();
    }

    private static string Address(int port) => $"akka.tcp://actorpool@127.0.0.1:{port}";
}
