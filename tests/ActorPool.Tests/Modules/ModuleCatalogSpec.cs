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

        var prepared = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            gate.SignalAndWait();
            return catalog.Get("basic");
        })));

        Assert.Equal(1, catalog.Preparations);
        Assert.All(prepared, p => Assert.Same(prepared[0], p));
    }

    [Fact]
    public void ModuleCatalog_should_prepare_again_when_the_code_changes_and_not_keep_failures()
    {
        var source = new InMemoryModuleSource().Set("m", "export function f( {");
        var catalog = new ModuleCatalog(source);

        var failure = Assert.Throws<ModuleLoadException>(() => catalog.Get("m"));
        Assert.Equal(ModuleLoadFailure.SyntaxError, failure.Failure);
        source.Set("m", "export function f() { return 1; }");
        var first = catalog.Get("m");
        source.Set("m", "export function f() { return 2; }");
        var second = catalog.Get("m");

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
        var hooks = new WorkerTestHooks { TaskStarted = (worker, _, _, _) => ranOn.TryAdd(worker, 0) };
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
}
