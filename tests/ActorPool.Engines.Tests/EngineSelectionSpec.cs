using ActorPool.Configuration;
using ActorPool.Engines.V8;
using ActorPool.Modules;
using ActorPool.Protocol;
using ActorPool.Serialization;
using ActorPool.Tests.TestSupport;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorPool.Engines.Tests;

public sealed class EngineSelectionSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public void Resolve_should_find_the_V8_factory_by_name_when_the_kind_is_v8()
    {
        var factory = ScriptEngineKinds.Resolve(ScriptEngineKinds.V8, Sys.Log);

        Assert.IsType<V8ScriptEngineFactory>(factory);
        Assert.Equal("v8", factory.Kind);
    }

    [Fact]
    public void Resolve_should_use_Jint_for_the_jint_kind()
    {
        Assert.Same(JintScriptEngineFactory.Instance, ScriptEngineKinds.Resolve(ScriptEngineKinds.Jint, Sys.Log));
    }

    [Fact]
    public void Resolve_should_fall_back_to_Jint_with_one_warning_when_the_V8_assembly_is_missing()
    {
        IScriptEngineFactory? factory = null;

        EventFilter.Warning(contains: "V8 cannot be used here").ExpectOne(() =>
            factory = ScriptEngineKinds.Resolve(ScriptEngineKinds.V8, Sys.Log, "ActorPool.Engines.V8.Missing, ActorPool.Engines.V8.Missing"));

        Assert.Same(JintScriptEngineFactory.Instance, factory);
    }

    [Fact]
    public void Resolve_should_fall_back_to_Jint_and_say_why_when_V8_cannot_start()
    {
        IScriptEngineFactory? factory = null;

        EventFilter.Warning(contains: "libclearscript.test.so is missing").ExpectOne(() =>
            factory = ScriptEngineKinds.Resolve(ScriptEngineKinds.V8, Sys.Log, typeof(UnloadableFactory).AssemblyQualifiedName!));

        Assert.Equal("jint", factory!.Kind);
    }

    [Theory]
    [InlineData("v8", "v8")]
    [InlineData("V8", "v8")]
    [InlineData("jint", "jint")]
    public void PoolSettings_should_read_engine_kind(string value, string expected)
    {
        var settings = PoolSettings.Create(ConfigurationFactory.ParseString($"actor-pool.engine.kind = {value}"));

        Assert.Equal(expected, settings.EngineKind);
    }

    [Fact]
    public void PoolSettings_should_refuse_an_unknown_engine_kind_naming_the_key()
    {
        var failure = Assert.Throws<PoolConfigurationException>(() => PoolSettings.Create(ConfigurationFactory.ParseString("actor-pool.engine.kind = rhino")));

        Assert.Contains("actor-pool.engine.kind = rhino is not valid; expected one of: jint, v8", failure.Message, StringComparison.Ordinal);
        Assert.Throws<PoolConfigurationException>(() => (PoolSettings.Default with { EngineKind = "rhino" }).Validate());
    }

    [Fact]
    public void PoolStats_should_carry_the_engine_kind_across_the_wire()
    {
        var serializer = new PoolMessageSerializer((Akka.Actor.ExtendedActorSystem)Sys);
        var stats = Sync(StartPool(Settings() with { EngineKind = "v8" }));

        var back = (PoolStats)serializer.FromBinary(serializer.ToBinary(stats), serializer.Manifest(stats));

        Assert.Equal(("v8", "v8"), (stats.EngineKind, back.EngineKind));
    }

    [Fact]
    public void V8_engines_of_one_factory_should_share_compiled_code()
    {
        var factory = new V8ScriptEngineFactory();
        var catalog = new ModuleCatalog(TestModules.Source());
        var limits = Settings().Engine;

        string Run() => OnThread(() =>
        {
            using var engine = factory.Create(limits, catalog);
            return engine.Call("basic", "add", "[2, 3]", CancellationToken.None);
        });

        Assert.Equal(("5", "5"), (Run(), Run()));
        Assert.Equal((1, 1), (factory.CodeCache.Stores, factory.CodeCache.Hits));
    }

    private static T OnThread<T>(Func<T> body)
    {
        T result = default!;
        var thread = new Thread(() => result = body(), 16 << 20);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        return result;
    }

    /// <summary>Stands in for a V8 factory whose native library does not load.</summary>
    public sealed class UnloadableFactory : IScriptEngineFactory
    {
        public UnloadableFactory() => throw new DllNotFoundException("libclearscript.test.so is missing");

        public string Kind => "unloadable";

        public IScriptEngine Create(EngineLimits limits, ModuleCatalog catalog) => throw new NotSupportedException();
    }
}
