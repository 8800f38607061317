using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.Telemetry;
using ActorPool.Workers;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorPool.Tests.TestSupport;

/// <summary>A TestKit with helpers to start pools and look at their workers.</summary>
public abstract class PoolTestKit : Akka.TestKit.Xunit2.TestKit
{
    public static readonly Config VirtualTime = ConfigurationFactory.ParseString("""
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.loglevel = WARNING
        """);

    public static readonly Config RealTime = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    protected PoolTestKit(Config config, ITestOutputHelper output)
        : base(config, output: output)
    {
    }

    protected TestScheduler VirtualScheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>Settings for tests: small, explicit, no jitter.</summary>
    protected static PoolSettings Settings(int workers = 1, int budget = 1000) => PoolSettings.Default with
    {
        Workers = workers,
        TaskBudget = budget,
        BudgetJitter = 0,
        InFlightTimeout = TimeSpan.FromSeconds(5),
        GracePeriod = TimeSpan.FromSeconds(2),
        MaxTaskAge = TimeSpan.FromSeconds(30),
        SweepInterval = TimeSpan.FromMilliseconds(100),
        Engine = PoolSettings.Default.Engine with
        {
            MemoryLimitBytes = 64L << 20,
            RecursionLimit = 500,
            RegexTimeout = TimeSpan.FromMilliseconds(200),
            TimeLimit = TimeSpan.FromMinutes(5),
        },
    };

    internal ScriptPool StartPool(PoolSettings settings, IModuleSource? modules = null, IPoolObserver? observer = null, string name = "pool", int? seed = 1, FakeEngineControl? fake = null) =>
        ScriptPool.Start(Sys, modules ?? TestModules.Source(), settings, name, metrics: null, observer, seed, fake is null ? null : new FakeEngineFactory(fake));

    /// <summary>A worker setup for specs that create workers or supervisors alone, with fake engines.</summary>
    internal static WorkerSetup FakeSetup(PoolSettings settings, FakeEngineControl fake, IPoolObserver? observer = null) =>
        new(settings, new ModuleCatalog(TestModules.Source()), new Telemetry.PoolMetrics("spec-" + Guid.NewGuid().ToString("N")), observer) { EngineFactory = fake.Create };

    /// <summary>The state of every live worker of a pool.</summary>
    internal IReadOnlyList<(IActorRef Worker, WorkerProtocol.WorkerState State)> WorkerStates(ScriptPool pool)
    {
        var probe = CreateTestProbe();
        pool.Supervisor.Tell(WorkerProtocol.GetWorkers.Instance, probe);
        var refs = probe.ExpectMsg<WorkerProtocol.WorkerList>().Refs;
        var states = new List<(IActorRef, WorkerProtocol.WorkerState)>();
        foreach (var worker in refs)
        {
            // A worker that stopped meanwhile does not answer; its Terminated says so (at once if it is gone
            // already), so the wait is for an event, and the bound only catches a live worker that never answers.
            var watcher = CreateTestProbe();
            watcher.Watch(worker);
            worker.Tell(WorkerProtocol.GetWorkerState.Instance, watcher);
            switch (watcher.ReceiveOne(TimeSpan.FromSeconds(30)))
            {
                case WorkerProtocol.WorkerState state:
                    states.Add((worker, state));
                    break;
                case Terminated:
                    break;
                case var other:
                    throw new Xunit.Sdk.XunitException($"{worker.Path} answered a state query with {other?.ToString() ?? "nothing within 30 s"}");
            }

            watcher.Unwatch(worker);
        }

        return states;
    }

    /// <summary>
    /// Waits until some worker runs <paramref name="taskId"/> and its engine thread is inside that call, and returns
    /// the worker. The worker has then armed the in-flight timeout, and a cut-off from now on interrupts the engine
    /// in the call: before the engine thread begins it, a cut-off withdraws the call instead, so an engine that
    /// would hang in it comes back at once (the specs of cut-off engines depend on the difference).
    /// </summary>
    internal IActorRef AwaitRunning(ScriptPool pool, string taskId)
    {
        IActorRef? found = null;
        AwaitAssert(
            () =>
            {
                found = WorkerStates(pool).Where(w => w.State.State == "running" && w.State.OnEngine == taskId).Select(w => w.Worker).FirstOrDefault();
                Assert.NotNull(found);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        return found!;
    }

    /// <summary>
    /// Returns once the supervisor has processed everything sent to it before (its mailbox is FIFO), so that
    /// virtual time advanced next is measured from after those messages.
    /// </summary>
    internal Protocol.PoolStats Sync(ScriptPool pool)
    {
        var probe = CreateTestProbe();
        pool.Supervisor.Tell(Protocol.GetPoolStats.Instance, probe);
        return probe.ExpectMsg<Protocol.PoolStats>();
    }

    /// <summary>Waits until the pool reports all of its target workers idle.</summary>
    internal Protocol.PoolStats AwaitIdleAtTarget(ScriptPool pool, TimeSpan? max = null)
    {
        Protocol.PoolStats stats = null!;
        AwaitAssert(
            () =>
            {
                pool.Supervisor.Tell(Protocol.GetPoolStats.Instance, TestActor);
                stats = ExpectMsg<Protocol.PoolStats>();
                Assert.True(stats.IdleWorkers == stats.TargetWorkers && stats.BusyWorkers == 0 && stats.QueueLength == 0, $"pool not idle at target: {stats}");
            },
            max ?? TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        return stats;
    }
}
