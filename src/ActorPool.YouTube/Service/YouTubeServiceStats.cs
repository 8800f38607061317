namespace ActorPool.YouTube.Service;

/// <summary>Counters of the service since it started, and cache sizes now.</summary>
/// <param name="UpstreamFetches">Player downloads started.</param>
/// <param name="DiskHits">Players read from the disk cache.</param>
/// <param name="Extractions">Solver extractions started.</param>
/// <param name="PreprocessedEntries">Entries in the preprocessed (extracted module) cache.</param>
/// <param name="SolverEntries">Solver modules registered in the pool.</param>
/// <param name="StsEntries">Entries in the sts cache.</param>
public sealed record YouTubeServiceStats(long UpstreamFetches, long DiskHits, long Extractions, int PreprocessedEntries, int SolverEntries, int StsEntries);
