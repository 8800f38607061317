namespace ActorPool.YouTube.Service;

/// <summary>Counters of the service since it started, and cache sizes now.</summary>
/// <param name="UpstreamFetches">Player downloads started by this process's module provider (0 on a gateway node).</param>
/// <param name="DiskHits">Players read from this process's disk cache.</param>
/// <param name="Extractions">Solver extractions started by this process's module provider.</param>
/// <param name="PreprocessedEntries">Solver modules built and held by this process's module provider.</param>
/// <param name="SolverEntries">Players the service knows ready (which module serves each).</param>
/// <param name="StsEntries">Entries in the sts cache.</param>
/// <param name="SolverTasks">Pool tasks started by the service (each answers one request's sig and n together).</param>
/// <param name="NCacheHits">n answers taken from the memo (no JavaScript).</param>
/// <param name="SignaturesReindexed">Signatures answered by an index map (no JavaScript).</param>
/// <param name="SignatureMapEntries">(player, length) entries learnt: a map, or "not a reindexing".</param>
/// <param name="NCacheEntries">Entries in the n memo.</param>
public sealed record YouTubeServiceStats(
    long UpstreamFetches,
    long DiskHits,
    long Extractions,
    int PreprocessedEntries,
    int SolverEntries,
    int StsEntries,
    long SolverTasks,
    long NCacheHits,
    long SignaturesReindexed,
    int SignatureMapEntries,
    int NCacheEntries);
