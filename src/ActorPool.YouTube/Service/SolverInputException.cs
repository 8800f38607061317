using ActorPool.Protocol;

namespace ActorPool.YouTube.Service;

/// <summary>
/// A signature or <c>n</c> value that no solver can answer as text: it holds a character outside the Basic
/// Multilingual Plane (a surrogate pair, or a lone surrogate). A <see cref="FailureKind.InvalidRequest"/> of the
/// caller's input, raised by <see cref="YouTubeSolverService"/> before any pool task runs, so every way in (the
/// gateway's endpoints, a host calling the service, a cluster gateway) answers it the same; the gateway answers
/// <c>400 {"error": ..., "kind": "invalid_request"}</c>.
/// </summary>
/// <remarks>
/// A solver moves UTF-16 code units about, so it would split a surrogate pair into lone surrogates, which no answer
/// can carry as Unicode text (JSON readers and UTF-8 refuse them). Real signatures and n values are ASCII.
/// </remarks>
public sealed class SolverInputException : ScriptPoolException
{
    /// <summary>Creates the exception for the input named <paramref name="field"/> (its yt-cipher field name).</summary>
    /// <param name="field">The field, as a yt-cipher client names it: <c>encrypted_signature</c> or <c>n_param</c>.</param>
    public SolverInputException(string field)
        : base(FailureKind.InvalidRequest, string.Empty, $"'{field}' holds a character outside the Basic Multilingual Plane; signatures and n values are ASCII")
    {
        Field = field;
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    public SolverInputException(string message, Exception innerException)
        : base(FailureKind.InvalidRequest, string.Empty, message, innerException: innerException)
    {
        Field = string.Empty;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SolverInputException()
        : base(FailureKind.InvalidRequest, string.Empty, "a signature or n value holds a character outside the Basic Multilingual Plane")
    {
        Field = string.Empty;
    }

    /// <summary>The yt-cipher name of the input that was refused (<c>encrypted_signature</c> or <c>n_param</c>).</summary>
    public string Field { get; }

    /// <summary>Throws for a value that holds a UTF-16 surrogate (any character outside the Basic Multilingual Plane).</summary>
    internal static void ThrowIfNotSolvable(string field, string? value)
    {
        if (value is not null && value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            throw new SolverInputException(field);
        }
    }
}
