namespace ActorPool.Protocol;

/// <summary>Why a task failed. Every <see cref="ScriptFailed"/> carries exactly one kind.</summary>
public enum FailureKind
{
    /// <summary>The script threw: the message and the JavaScript stack are in the failure.</summary>
    ScriptError,

    /// <summary>The task ran past its in-flight timeout (or its caller's deadline) and was cut off.</summary>
    Timeout,

    /// <summary>The script hit an engine limit (memory, recursion, statements, regex time); see <see cref="LimitKind"/>.</summary>
    LimitExceeded,

    /// <summary>The task waited in the queue past the queue age limit or its caller's deadline and never ran.</summary>
    QueueExpired,

    /// <summary>The queue was full when the task arrived; nothing was queued.</summary>
    Overloaded,

    /// <summary>The worker running the task crashed, stopped answering, or its node was lost.</summary>
    WorkerCrashed,

    /// <summary>The pool cannot start workers (latched after repeated start failures) and rejects work until it recovers.</summary>
    PoolUnavailable,

    /// <summary>The pool is shutting down and no longer runs this task.</summary>
    ShuttingDown,

    /// <summary>The task was cancelled by its caller.</summary>
    Cancelled,

    /// <summary>The module, or the function in it, does not exist.</summary>
    ModuleNotFound,

    /// <summary>The request itself is malformed (names, arguments, sizes).</summary>
    InvalidRequest,
}

/// <summary>Which engine limit a <see cref="FailureKind.LimitExceeded"/> failure hit.</summary>
public enum LimitKind
{
    /// <summary>Not a limit failure.</summary>
    None,

    /// <summary>The per-call memory limit (<c>engine.memory-limit</c>).</summary>
    Memory,

    /// <summary>The call depth limit (<c>engine.recursion-limit</c>) or the native stack guard.</summary>
    Recursion,

    /// <summary>The statement count limit (<c>engine.max-statements</c>).</summary>
    Statements,

    /// <summary>A regular expression ran past <c>engine.regex-timeout</c>.</summary>
    RegexTimeout,

    /// <summary>The engine's own wall-clock limit per call (<c>engine.time-limit</c>).</summary>
    Time,
}
