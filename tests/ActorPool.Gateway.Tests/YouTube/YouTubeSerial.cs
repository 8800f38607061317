namespace ActorPool.Gateway.Tests.YouTube;

/// <summary>
/// The YouTube specs extract whole players (seconds of CPU on a 2-core box); they run apart from the other specs so
/// that those specs' timing-sensitive limits (in-flight timeouts against allocation bombs) are not starved.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class YouTubeSerial
{
    public const string Name = "YouTube";
}
