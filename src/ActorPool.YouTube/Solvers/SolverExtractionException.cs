namespace ActorPool.YouTube.Solvers;

/// <summary>
/// A player script from which no solver could be built: it does not parse, has no recognisable player structure, or
/// its signature code could not be found. The message says which, and is safe to return to a caller.
/// </summary>
public sealed class SolverExtractionException : Exception
{
    /// <summary>Creates the exception with a message that says what could not be found.</summary>
    public SolverExtractionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    public SolverExtractionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message; prefer the overload that says what failed.</summary>
    public SolverExtractionException()
        : base("no solver could be extracted from the player script")
    {
    }
}
