// A pool on one Akka.NET node, used from another node over Akka.Remote. Both nodes run in this one process on
// 127.0.0.1 with ports chosen by the OS; in production they are two processes (or machines) and the client
// knows the pool node's address from configuration.
using ActorPool;
using ActorPool.Configuration;
using ActorPool.Modules;
using Akka.Actor;
using Akka.Configuration;

var remoting = ConfigurationFactory.ParseString("""
    akka.loglevel = WARNING
    akka.actor.provider = remote
    akka.remote.dot-netty.tcp.hostname = 127.0.0.1
    akka.remote.dot-netty.tcp.port = 0
    """).WithFallback(ActorPoolConfig.Default);   // the pool protocol's compact serializer

// The pool node: starts a pool named "pool" (at /user/pool).
using var poolNode = ActorSystem.Create("pool-node", remoting);
var modules = new InMemoryModuleSource().Set("math", "export function add(a, b) { return a + b; }");
await using var local = ScriptPool.Start(poolNode, modules, name: "pool");
var poolAddress = ((ExtendedActorSystem)poolNode).Provider.DefaultAddress;

// The client node: finds the supervisor by its path and attaches a facade to it. Only messages cross the wire.
using var client = ActorSystem.Create("client-node", remoting);
var supervisor = await client.ActorSelection($"{poolAddress}/user/pool").ResolveOne(TimeSpan.FromSeconds(10));
await using var remote = ScriptPool.Attach(client, supervisor);

var sum = await remote.RunAsync("math", "add", [40, 2], TimeSpan.FromSeconds(10));
Console.WriteLine($"add over Akka.Remote ({poolAddress}): {sum.As<int>()}");

try
{
    await remote.RunAsync("math", "nope", "[]", TimeSpan.FromSeconds(10));
}
catch (ScriptPoolException e)
{
    Console.WriteLine($"nope: {e.Kind}");
}

var stats = await remote.GetStatsAsync();
Console.WriteLine($"pool stats from the client: {stats.Succeeded} succeeded, {stats.IdleWorkers + stats.BusyWorkers} workers up");
await client.Terminate();
await poolNode.Terminate();
