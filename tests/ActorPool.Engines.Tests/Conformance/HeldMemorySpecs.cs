namespace ActorPool.Engines.Tests.Conformance;

/// <summary>
/// The Jint conformance specs run alone, after the parallel ones: Jint's held-memory estimate reads the whole
/// process's heap (see HeldMemoryConstraint in ActorPool), so memory a parallel spec comes to hold during a churning
/// call would be charged to that call. (V8 isolates count their own heap and need no such care.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeldMemorySpecs
{
    /// <summary>The collection's name.</summary>
    public const string Name = "held memory (Jint)";
}
