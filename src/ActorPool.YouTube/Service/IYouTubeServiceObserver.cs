using ActorPool.YouTube.Players;

namespace ActorPool.YouTube.Service;

/// <summary>Receives the service's events, e.g. to count them in metrics. Calls must be quick and must not throw.</summary>
public interface IYouTubeServiceObserver
{
    /// <summary>A player download ended: <c>2xx</c>, <c>4xx</c>, <c>5xx</c>, <c>timeout</c>, <c>too_large</c> or <c>error</c>.</summary>
    void PlayerFetched(PlayerIdentity player, string statusClass);

    /// <summary>Extraction or a <c>sig</c>/<c>n</c> call failed for a player.</summary>
    void SolverFailed(PlayerIdentity player, string stage);
}
