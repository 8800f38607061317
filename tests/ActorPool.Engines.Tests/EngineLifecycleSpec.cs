using System.Collections.Concurrent;
using ActorPool.Configuration;
using ActorPool.Engines.V8;
using ActorPool.Modules;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Engines.Tests;

/// <summary>How a pool creates and disposes engines of a factory it was given.</summary>
public sealed class EngineLifecycleSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task Pool_should_dispose_each_V8_runtime_on_its_own_engine_thread_when_the_worker_retires_on_budget()
    {
        var factory = new TrackingFactory(new V8ScriptEngineFactory());
        await using var pool = ScriptPool.Start(Sys, TestModules.Source(), factory, Settings(workers: 1, budget: 2), "tracked");

        for (var i = 0; i < 6; i++)
        {
            await pool.RunAsync("basic", "add", "[1, 1]");
        }

        // Three workers ran two tasks each; the first two have retired and their engine threads have ended.
        AwaitAssert(() => Assert.True(factory.Disposed.Count >= 2, $"disposed: {factory.Disposed.Count}"), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        Assert.Equal("tracked-v8", (await pool.GetStatsAsync()).EngineKind);
        Assert.All(factory.Disposed, d => Assert.True(d.CreatedOn == d.DisposedOn, $"created on thread {d.CreatedOn}, disposed on {d.DisposedOn}"));
    }

    private sealed class TrackingFactory(IScriptEngineFactory inner) : IScriptEngineFactory
    {
        public ConcurrentQueue<(int CreatedOn, int DisposedOn)> Disposed { get; } = new();

        public string Kind => "tracked-" + inner.Kind;

        public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => new Tracked(inner.Create(limits, catalog), this);

        private sealed class Tracked(IScriptEngine engine, TrackingFactory owner) : IScriptEngine
        {
            private readonly int _createdOn = Environment.CurrentManagedThreadId;

            public int LoadedModuleCount => engine.LoadedModuleCount;

            public void EnsureModule(string name) => engine.EnsureModule(name);

            public string Call(string module, string function, string argsJson, CancellationToken cancellation) => engine.Call(module, function, argsJson, cancellation);

            public void Dispose()
            {
                engine.Dispose();
                owner.Disposed.Enqueue((_createdOn, Environment.CurrentManagedThreadId));
            }
        }
    }
}
