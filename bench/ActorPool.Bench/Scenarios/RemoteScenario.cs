using System.Globalization;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Pool;
using ActorPool.Protocol;
using ActorPool.Telemetry;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Configuration;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Issue 5's wire benchmark: the same tiny task through (a) a local pool, (b) a pool on another actor system over
/// Akka.Remote with ActorPool's protobuf serializer, (c) the same with Akka's default JSON serializer bound to the
/// protocol instead. All three are driven the same way (one Ask per task, K in flight) and interleaved A B C; (d)
/// is (b) with one Ask per batch of <c>--batch</c> tasks (<see cref="RunScriptBatch"/>).
/// </summary>
internal static class RemoteScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var settings = PoolSettings.Default with { Workers = options.Workers };
        var warmup = TimeSpan.FromSeconds(1);
        var measure = TimeSpan.FromSeconds(options.Seconds);
        var lanes = new[] { options.InFlight, options.InFlight * 8 };

        using var local = ActorSystem.Create("local", Node(json: false, remote: false));
        using var protoNode = ActorSystem.Create("proto", Node(json: false, remote: true));
        using var jsonNode = ActorSystem.Create("json", Node(json: true, remote: true));
        using var protoClient = ActorSystem.Create("proto-client", Node(json: false, remote: true));
        using var jsonClient = ActorSystem.Create("json-client", Node(json: true, remote: true));
        var protoPool = await Resolve(protoClient, protoNode, StartPool(protoNode, settings));
        var targets = new (string Name, IActorRef Supervisor, int Batch)[]
        {
            ("local", StartPool(local, settings), 1),
            ("remote, ActorPool serializer", protoPool, 1),
            ("remote, Akka JSON serializer", await Resolve(jsonClient, jsonNode, StartPool(jsonNode, settings)), 1),
            ($"remote, ActorPool serializer, batches of {options.Batch}", protoPool, options.Batch),
        };

        Console.WriteLine();
        Console.WriteLine($"## remote — tiny `reverse` through a local pool and remote pools ({options.Workers} workers each), one Ask per task, {options.Rounds} rounds x {options.Seconds}s (+1 discarded round)");
        foreach (var target in targets)
        {
            await Drive(target.Supervisor, target.Batch, lanes[0], warmup, TimeSpan.FromSeconds(1));
        }

        var rates = targets.SelectMany(_ => lanes, (t, k) => (t.Name, k)).ToDictionary(x => x, _ => new List<double>());
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var k in lanes)
            {
                foreach (var target in targets)
                {
                    var rate = await Drive(target.Supervisor, target.Batch, k, warmup, measure);
                    rates[(target.Name, k)].Add(rate);
                }
            }

            Console.WriteLine($"round {round + 1}: " + string.Join(", ", rates.Select(r => $"{r.Key.Name} @{r.Key.k} {Stats.N(r.Value[^1])}/s")));
        }

        Console.WriteLine();
        Console.WriteLine("| path | in flight | tasks/s (median) | rounds |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        foreach (var ((name, k), values) in rates)
        {
            Console.WriteLine($"| {name} | {k} | {Stats.N(Stats.Median(values))} | {Stats.List(values)} |");
        }

        foreach (var k in lanes)
        {
            var proto = Stats.Median(rates[(targets[1].Name, k)]);
            var json = Stats.Median(rates[(targets[2].Name, k)]);
            var batched = Stats.Median(rates[(targets[3].Name, k)]);
            Console.WriteLine($"@{k} in flight: ActorPool serializer / JSON = {Stats.N(proto / json, "N2")}x (target >= 3x); ActorPool serializer {Stats.N(proto)} tasks/s, with batches {Stats.N(batched)} tasks/s (target >= 50,000 with batching)");
        }

        // The serializers alone, without the transport: one request and one reply per round trip.
        foreach (var (name, system) in new[] { ("ActorPool serializer", protoNode), ("Akka JSON serializer", jsonNode) })
        {
            Console.WriteLine($"{name}: {Stats.N(SerializerMicros(system), "N2")} µs per request + reply round trip (serialize and deserialize both)");
        }

        foreach (var system in new[] { local, protoNode, jsonNode, protoClient, jsonClient })
        {
            await system.Terminate();
        }
    }

    private static double SerializerMicros(ActorSystem system)
    {
        var request = new RunScript("t123456", BenchModules.Transform, "reverse", BenchModules.ReverseArgs);
        var reply = new ScriptSucceeded("t123456", "\"" + BenchModules.HundredChars + "\"");
        const int N = 50_000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < N; i++)
        {
            foreach (object message in new object[] { request, reply })
            {
                var serializer = system.Serialization.FindSerializerFor(message);
                var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
                var bytes = serializer.ToBinary(message);
                system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            }
        }

        return clock.Elapsed.TotalMilliseconds * 1000 / N;
    }

    private static Config Node(bool json, bool remote)
    {
        var text = "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\n";
        if (remote)
        {
            text += "akka.actor.provider = remote\nakka.remote.dot-netty.tcp.hostname = 127.0.0.1\nakka.remote.dot-netty.tcp.port = 0\n";
        }

        if (json)
        {
            // Akka's default serializer for everything the protocol sends (what users get without ActorPool's config).
            text += "akka.actor.serialization-bindings { \"ActorPool.Protocol.IPoolMessage, ActorPool\" = json }\n";
        }

        return ConfigurationFactory.ParseString(text).WithFallback(ActorPoolConfig.Default);
    }

    /// <summary>Starts a supervisor directly: the public facade refuses a system whose protocol is bound to JSON.</summary>
    private static IActorRef StartPool(ActorSystem system, PoolSettings settings)
    {
        var setup = new WorkerSetup(settings, new ModuleCatalog(BenchModules.Source()), new PoolMetrics(system.Name), null);
        return system.ActorOf(PoolSupervisor.Props(settings, setup), "pool");
    }

    private static Task<IActorRef> Resolve(ActorSystem client, ActorSystem node, IActorRef supervisor) =>
        client.ActorSelection(((ExtendedActorSystem)node).Provider.DefaultAddress + supervisor.Path.ToStringWithoutAddress()).ResolveOne(TimeSpan.FromSeconds(10));

    /// <summary>Tasks per second with <paramref name="inFlight"/> callers, each sending one task (or one batch of <paramref name="batch"/> tasks) per Ask.</summary>
    private static async Task<double> Drive(IActorRef supervisor, int batch, int inFlight, TimeSpan warmup, TimeSpan measure)
    {
        var done = 0L;
        var stop = 0;
        var next = 0L;
        async Task Lane()
        {
            await Task.Yield();
            while (Volatile.Read(ref stop) == 0)
            {
                var id = "t" + Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture);
                if (batch == 1)
                {
                    var reply = await supervisor.Ask<IScriptReply>(new RunScript(id, BenchModules.Transform, "reverse", BenchModules.ReverseArgs), TimeSpan.FromSeconds(30));
                    if (reply is ScriptSucceeded)
                    {
                        Interlocked.Increment(ref done);
                    }

                    continue;
                }

                var calls = Enumerable.Range(0, batch).Select(i => new RunScript(id + "-" + i.ToString(CultureInfo.InvariantCulture), BenchModules.Transform, "reverse", BenchModules.ReverseArgs)).ToList();
                var answer = await supervisor.Ask<IScriptReply>(new RunScriptBatch(id, calls), TimeSpan.FromSeconds(30));
                if (answer is ScriptBatchCompleted completed)
                {
                    Interlocked.Add(ref done, completed.Replies.Count(r => r is ScriptSucceeded));
                }
            }
        }

        var tasks = Enumerable.Range(0, inFlight).Select(_ => Lane()).ToArray();
        await Task.Delay(warmup);
        var before = Interlocked.Read(ref done);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(measure);
        var rate = (Interlocked.Read(ref done) - before) / clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);
        return rate;
    }
}
