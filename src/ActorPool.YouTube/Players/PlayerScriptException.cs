namespace ActorPool.YouTube.Players;

/// <summary>
/// A player URL or player id that cannot be turned into a player identity. The message says what was wrong and
/// is safe to return to the caller (the gateway answers <c>400 {"error":"Player script error: &lt;message&gt;"}</c>).
/// </summary>
public sealed class PlayerScriptException : Exception
{
    /// <summary>Creates the exception with a message that says what was wrong with the input.</summary>
    public PlayerScriptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    public PlayerScriptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message; prefer the overload that says what was wrong.</summary>
    public PlayerScriptException()
        : base("invalid player script reference")
    {
    }
}
