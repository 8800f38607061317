namespace ActorPool.YouTube.Service;

/// <summary>
/// The solver for a player could not be built, or a <c>sig</c>/<c>n</c> call failed inside the script. The gateway
/// answers <c>500 {"error": ...}</c>; the message names the player.
/// </summary>
public sealed class SolverFailedException : Exception
{
    /// <summary>Creates the exception for a player.</summary>
    public SolverFailedException(string message, string playerId, Exception? innerException = null)
        : base(message, innerException)
    {
        PlayerId = playerId;
    }

    /// <summary>Creates the exception with a message only; prefer the overload that names the player.</summary>
    public SolverFailedException(string message)
        : this(message, "unknown")
    {
    }

    /// <summary>Creates the exception with a message and a cause; prefer the overload that names the player.</summary>
    public SolverFailedException(string message, Exception innerException)
        : this(message, "unknown", innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SolverFailedException()
        : this("the solver failed")
    {
    }

    /// <summary>The id of the player whose solver failed.</summary>
    public string PlayerId { get; }
}
