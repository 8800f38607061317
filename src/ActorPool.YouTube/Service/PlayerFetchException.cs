namespace ActorPool.YouTube.Service;

/// <summary>
/// The player script could not be downloaded: the upstream answered an error status, timed out, sent more than
/// the size cap, or could not be reached. The message names the player and the upstream status and is safe to
/// return to the caller (the gateway answers <c>502 {"error": ...}</c>). Nothing is written to the disk cache.
/// </summary>
public sealed class PlayerFetchException : Exception
{
    /// <summary>Creates the exception for a player and the upstream status (null when there was no answer).</summary>
    public PlayerFetchException(string message, string playerId, int? upstreamStatus, Exception? innerException = null)
        : base(message, innerException)
    {
        PlayerId = playerId;
        UpstreamStatus = upstreamStatus;
    }

    /// <summary>Creates the exception with a message only; prefer the overload that names the player.</summary>
    public PlayerFetchException(string message)
        : this(message, "unknown", null)
    {
    }

    /// <summary>Creates the exception with a message and a cause; prefer the overload that names the player.</summary>
    public PlayerFetchException(string message, Exception innerException)
        : this(message, "unknown", null, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public PlayerFetchException()
        : this("the player script could not be fetched")
    {
    }

    /// <summary>The id of the player that could not be fetched.</summary>
    public string PlayerId { get; }

    /// <summary>The HTTP status the upstream answered, or null on a timeout, a size overrun or a network error.</summary>
    public int? UpstreamStatus { get; }
}
