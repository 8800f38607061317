namespace ActorPool.Tests.Engines;

/// <summary>
/// Specs that measure held memory, and the chaos storm, run alone: the estimate reads the whole process's heap (see
/// HeldMemoryConstraint), so a parallel test holding tens of MiB would be charged to them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeldMemorySpecs
{
    public const string Name = "held memory";
}
