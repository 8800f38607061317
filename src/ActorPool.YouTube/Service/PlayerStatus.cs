namespace ActorPool.YouTube.Service;

/// <summary>One player known to the service, for status pages.</summary>
/// <param name="CacheKey">The player's cache key.</param>
/// <param name="State"><c>preparing</c>, <c>ready</c> (callable in the pool), <c>extracted</c> (in memory, not loaded) or <c>failed</c>.</param>
/// <param name="Sts">The signature timestamp when known.</param>
/// <param name="Detail">The failure message for <c>failed</c>, else which exports the solver has.</param>
public sealed record PlayerStatus(string CacheKey, string State, string? Sts, string? Detail);
