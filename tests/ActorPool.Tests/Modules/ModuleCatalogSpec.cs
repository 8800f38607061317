using ActorPool.Modules;
using ActorPool.Pool;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Xunit.Abstractions;

namespace ActorPool.Tests.Modules;

public sealed class ModuleCatalogSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task ModuleCatalog_should_prepare_a_module_once_for_concurrent_first_uses()
    {
        var catalog = new ModuleCatalog(TestModules.Source());
        using var gate = new Barrier(8);

        var prepared = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            gate.SignalAndWait();
            var module = catalog.Get("basic");
            _ = module.Prepared;
            return module;
        })));

        Assert.Equal(1, catalog.Preparations);
        Assert.All(prepared, p => Assert.Same(prepared[0], p));
    }

    [Fact]
    public void ModuleCatalog_should_prepare_again_when_the_code_changes_and_not_keep_failures_of_old_code()
    {
        var source = new InMemoryModuleSource().Set("m", "export function f( {");
        var catalog = new ModuleCatalog(source);

        var failure = Assert.Throws<ModuleLoadException>(() => catalog.Get("m").Prepared);
        Assert.Equal(ModuleLoadFailure.SyntaxError, failure.Failure);
        source.Set("m", "export function f() { return 1; }");
        var first = catalog.Get("m");
        _ = first.Prepared;
        source.Set("m", "export function f() { return 2; }");
        var second = catalog.Get("m");
        _ = second.Prepared;

        Assert.NotSame(first, second);
        Assert.Equal(3, catalog.Preparations);
        Assert.Equal(ModuleLoadFailure.NotFound, Assert.Throws<ModuleLoadException>(() => catalog.Get("missing")).Failure);
    }

    [Fact]
    public async Task ScriptPool_should_share_one_preparation_across_workers()
    {
        // The pool's supervisor on a catalog this test can read, with a hook that names the worker of each task.
        var catalog = new ModuleCatalog(TestModules.Source());
        var ranOn = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var hooks = new DelegatingObserver { OnTaskStarted = (worker, _, _, _) => ranOn.TryAdd(worker, 0) };
        var settings = Settings(workers: 4);
        var supervisor = Sys.ActorOf(PoolSupervisor.Props(settings, new WorkerSetup(settings, catalog, new Telemetry.PoolMetrics("prep"), hooks)), "prep");
        await using var pool = ScriptPool.Attach(Sys, supervisor);
        AwaitIdleAtTarget(pool);

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => pool.RunAsync("basic", "add", $"[{i}, 0]")));

        Assert.Equal(64, (await pool.GetStatsAsync()).Succeeded);
        Assert.True(ranOn.Count == 4, $"the tasks ran on {ranOn.Count} workers, not 4: {string.Join(", ", ranOn.Keys)}");
        Assert.Equal(1, catalog.Preparations);

        // A second module is one more preparation, however many workers load it.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => pool.RunAsync("faults", "count", "[3]")));
        Assert.Equal(2, catalog.Preparations);
    }

    [Fact]
    public void DirectoryModuleSource_should_find_mjs_and_js_files_and_refuse_names_that_walk_the_tree()
    {
        var dir = Directory.CreateTempSubdirectory("actorpool-modules-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "one.mjs"), "export function f() { return 1; }");
            File.WriteAllText(Path.Combine(dir.FullName, "two.js"), "export function f() { return 2; }");
            var source = new DirectoryModuleSource(dir.FullName);

            Assert.Equal(["one", "two"], source.List());
            Assert.Contains("return 1", source.Find("one")!.Code, StringComparison.Ordinal);
            Assert.Null(source.Find("../one"));
            Assert.Null(source.Find("missing"));
            var before = source.Find("two")!.Version;
            File.WriteAllText(Path.Combine(dir.FullName, "two.js"), "export function f() { return 22; }");
            Assert.NotEqual(before, source.Find("two")!.Version);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ModuleCatalog_should_forget_a_module_its_evicting_source_dropped()
    {
        var source = new DroppingSource();
        var catalog = new ModuleCatalog(source);
        catalog.Get("a");
        catalog.Get("b");
        Assert.Equal(2, catalog.Count);

        source.Drop("a");

        Assert.Equal(1, catalog.Count);
        Assert.False(catalog.Remove("a"));
        Assert.True(catalog.Remove("b"));
        Assert.Equal(0, catalog.Count);
    }

    /// <summary>A source of generated one-line modules that announces the ones it drops.</summary>
    private sealed class DroppingSource : IEvictingModuleSource
    {
        public event Action<string>? ModuleEvicted;

        public ModuleText? Find(string name) => new(name, "export function f() { return '" + name + "'; }", "1");

        public void Drop(string name) => ModuleEvicted?.Invoke(name);
    }
}
