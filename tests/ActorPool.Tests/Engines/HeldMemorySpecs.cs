namespace ActorPool.Tests.Engines;

/// <summary>
/// Specs that measure held memory on Jint, and the chaos storm, run alone: the estimate reads the whole process's heap
/// (see HeldMemoryConstraint), so a parallel test holding tens of MiB would be charged to them. Linked into
/// ActorPool.Engines.Tests for its Jint conformance specs (V8 isolates count their own heap).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeldMemorySpecs
{
    public const string Name = "held memory";
}
