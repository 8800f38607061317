using ActorPool.Protocol;

namespace ActorPool;

/// <summary>
/// The base of every exception the .NET facade throws for a failed task. <see cref="Kind"/> says why; derived
/// types group the kinds a caller typically handles alike.
/// </summary>
public class ScriptPoolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScriptPoolException(FailureKind kind, string taskId, string message, string? details = null, LimitKind limit = LimitKind.None, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        TaskId = taskId;
        Details = details;
        Limit = limit;
    }

    /// <summary>Creates an exception with a message (kind <see cref="FailureKind.WorkerCrashed"/>).</summary>
    public ScriptPoolException(string message)
        : this(FailureKind.WorkerCrashed, string.Empty, message)
    {
    }

    /// <summary>Creates an exception with a message and inner exception.</summary>
    public ScriptPoolException(string message, Exception innerException)
        : this(FailureKind.WorkerCrashed, string.Empty, message, innerException: innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ScriptPoolException()
        : this("The task failed.")
    {
    }

    /// <summary>Why the task failed.</summary>
    public FailureKind Kind { get; }

    /// <summary>The id of the failed task.</summary>
    public string TaskId { get; }

    /// <summary>Extra detail, such as the JavaScript stack of a script error.</summary>
    public string? Details { get; }

    /// <summary>The limit hit, for <see cref="FailureKind.LimitExceeded"/>.</summary>
    public LimitKind Limit { get; }

    /// <summary>True for failures where retrying the same call later may succeed.</summary>
    public bool IsTransient => Kind is FailureKind.Overloaded or FailureKind.QueueExpired or FailureKind.PoolUnavailable or FailureKind.WorkerCrashed;

    /// <summary>Builds the exception type that matches <paramref name="failure"/>.</summary>
    public static ScriptPoolException From(ScriptFailed failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            FailureKind.ScriptError => new ScriptErrorException(failure),
            FailureKind.Timeout => new ScriptTimeoutException(failure),
            FailureKind.LimitExceeded => new ScriptLimitExceededException(failure),
            FailureKind.Cancelled => new ScriptCancelledException(failure),
            FailureKind.ModuleNotFound or FailureKind.InvalidRequest => new ScriptRequestException(failure),
            FailureKind.Overloaded or FailureKind.QueueExpired or FailureKind.PoolUnavailable or FailureKind.ShuttingDown => new PoolRejectedException(failure),
            _ => new ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit),
        };
    }
}

/// <summary>The script threw (<see cref="FailureKind.ScriptError"/>); <see cref="ScriptPoolException.Details"/> has the JavaScript stack.</summary>
public sealed class ScriptErrorException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);

/// <summary>The task ran past its in-flight timeout or deadline (<see cref="FailureKind.Timeout"/>).</summary>
public sealed class ScriptTimeoutException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);

/// <summary>The script hit an engine limit (<see cref="FailureKind.LimitExceeded"/>); see <see cref="ScriptPoolException.Limit"/>.</summary>
public sealed class ScriptLimitExceededException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);

/// <summary>The task was cancelled (<see cref="FailureKind.Cancelled"/>).</summary>
public sealed class ScriptCancelledException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);

/// <summary>The request was wrong: unknown module or function, or malformed input.</summary>
public sealed class ScriptRequestException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);

/// <summary>The pool did not run the task: overloaded, expired in the queue, unavailable or shutting down.</summary>
public sealed class PoolRejectedException(ScriptFailed failure)
    : ScriptPoolException(failure.Kind, failure.TaskId, failure.Message, failure.Details, failure.Limit);
