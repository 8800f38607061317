using ActorPool.Dispatch;
using ActorPool.Tests.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorPool.Tests.Dispatch;

public sealed class PoolDispatcherSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task A_started_pool_should_run_its_supervisor_and_workers_on_the_pool_dispatcher()
    {
        await using var pool = StartPool(Settings(workers: 2));
        Assert.Equal("\"cba\"", (await pool.RunAsync("basic", "reverse", ["abc"])).Json);

        var supervisor = (ActorRefWithCell)pool.Supervisor;
        Assert.Equal(PoolDispatcher.Id, supervisor.Underlying.Props.Dispatcher);
        var workers = supervisor.Children.Cast<ActorRefWithCell>().ToList();
        Assert.NotEmpty(workers);
        Assert.All(workers, worker => Assert.Equal(PoolDispatcher.Id, worker.Underlying.Props.Dispatcher));
        // The thread pool by default: the parking executor was not better in the yt-cipher benchmark (reference.conf).
        Assert.Equal("default-executor", PoolDispatcher.ConfigFor(Sys).GetString("executor"));
    }

    [Fact]
    public async Task A_pool_should_run_on_the_parking_thread_when_its_dispatcher_is_configured_so()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.actor-pool-dispatcher.executor = \"ActorPool.Dispatch.ParkingThreadExecutorConfigurator, ActorPool\"").WithFallback(RealTime);
        using var system = ActorSystem.Create("parking-dispatcher", config);
        try
        {
            await using var pool = ScriptPool.Start(system, TestModules.Source(), Settings());

            Assert.Equal("\"cba\"", (await pool.RunAsync("basic", "reverse", ["abc"])).Json);
            Assert.Equal(typeof(ParkingThreadExecutorConfigurator), Type.GetType(PoolDispatcher.ConfigFor(system).GetString("executor")));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
