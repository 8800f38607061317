using ActorPool.Engines.V8;
using ActorPool.Protocol;

namespace ActorPool.Engines.Tests.Conformance;

[Collection(ActorPool.Tests.Engines.HeldMemorySpecs.Name)]
public sealed class JintEngineConformanceSpec : EngineConformanceSpec
{
    protected override IScriptEngineFactory Factory => JintScriptEngineFactory.Instance;

    protected override (FailureKind Kind, LimitKind Limit, bool EngineSuspect) RunawayRegex => (FailureKind.LimitExceeded, LimitKind.RegexTimeout, false);

    protected override FailureKind NeverSettlingPromise => FailureKind.Cancelled;
}

/// <summary>Runs for real: when V8 cannot load here, creating the factory throws and every spec fails.</summary>
public sealed class V8EngineConformanceSpec : EngineConformanceSpec
{
    private static readonly Lazy<V8ScriptEngineFactory> s_factory = new(() => new V8ScriptEngineFactory());

    protected override IScriptEngineFactory Factory => s_factory.Value;

    protected override (FailureKind Kind, LimitKind Limit, bool EngineSuspect) RunawayRegex => (FailureKind.Timeout, LimitKind.Time, true);

    protected override FailureKind NeverSettlingPromise => FailureKind.ScriptError;
}

[Collection(ActorPool.Tests.Engines.HeldMemorySpecs.Name)]
public sealed class JintPoolConformanceSpec(Xunit.Abstractions.ITestOutputHelper output) : PoolConformanceSpec(output)
{
    protected override string EngineKind => ScriptEngineKinds.Jint;
}

public sealed class V8PoolConformanceSpec(Xunit.Abstractions.ITestOutputHelper output) : PoolConformanceSpec(output)
{
    protected override string EngineKind => ScriptEngineKinds.V8;
}

[Collection(ActorPool.Tests.Engines.HeldMemorySpecs.Name)]
public sealed class JintPoolTimeoutConformanceSpec(Xunit.Abstractions.ITestOutputHelper output) : PoolTimeoutConformanceSpec(output)
{
    protected override string EngineKind => ScriptEngineKinds.Jint;
}

public sealed class V8PoolTimeoutConformanceSpec(Xunit.Abstractions.ITestOutputHelper output) : PoolTimeoutConformanceSpec(output)
{
    protected override string EngineKind => ScriptEngineKinds.V8;
}
