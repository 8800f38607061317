using System.Collections.Immutable;
using System.Globalization;
using Akka.Configuration;

namespace ActorPool.Configuration;

/// <summary>
/// The immutable settings of one pool, read from the <c>actor-pool</c> HOCON section. The embedded
/// <c>reference.conf</c> documents every key and its default; this record is all that actors ever see.
/// </summary>
public sealed record PoolSettings
{
    /// <summary>The HOCON path of the section these settings are read from.</summary>
    public const string SectionPath = "actor-pool";

    private const long DefaultMaxRemotePayload = 120_000;
    private const string MaxBackoffError = "actor-pool.respawn.max-backoff must not be shorter than respawn.min-backoff";

    // The range of every bounded key, declared once: Create checks HOCON against it, Validate checks values set in code.
    private static readonly Bound<long> s_workers = new("workers", 0, 4096, "an integer");
    private static readonly Bound<long> s_taskBudget = new("task-budget", 1, 1_000_000_000, "an integer");
    private static readonly Bound<double> s_budgetJitter = new("budget-jitter", 0, 0.5, "a number");
    private static readonly Bound<TimeSpan> s_inFlightTimeout = new("in-flight-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "a duration");
    private static readonly Bound<TimeSpan> s_gracePeriod = new("grace-period", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "a duration");
    private static readonly Bound<TimeSpan> s_maxTaskAge = new("max-task-age", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "a duration");
    private static readonly Bound<long> s_maxQueueLength = new("max-queue-length", 1, 10_000_000, "an integer");
    private static readonly Bound<TimeSpan> s_sweepInterval = new("sweep-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10), "a duration");
    private static readonly Bound<long> s_maxModulesPerEngine = new("max-modules-per-engine", 1, 10_000, "an integer");
    private static readonly Bound<TimeSpan> s_timeLimit = new("engine.time-limit", TimeSpan.Zero, TimeSpan.FromDays(1), "a duration");
    private static readonly Bound<long> s_memoryLimit = new("engine.memory-limit", 0, long.MaxValue, "a size in bytes");
    private static readonly Bound<long> s_recursionLimit = new("engine.recursion-limit", 16, 100_000, "an integer");
    private static readonly Bound<long> s_maxStatements = new("engine.max-statements", 0, int.MaxValue, "an integer");
    private static readonly Bound<TimeSpan> s_regexTimeout = new("engine.regex-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "a duration");
    private static readonly Bound<long> s_threadStackSize = new("engine.thread-stack-size", 1L << 20, 1L << 30, "a size in bytes");
    private static readonly Bound<long> s_maxArgsLength = new("engine.max-args-length", 1, int.MaxValue / 2, "a size");
    private static readonly Bound<TimeSpan> s_minBackoff = new("respawn.min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "a duration");
    private static readonly Bound<TimeSpan> s_maxBackoff = new("respawn.max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "a duration");
    private static readonly Bound<double> s_randomFactor = new("respawn.random-factor", 0, 1, "a number");
    private static readonly Bound<long> s_failureThreshold = new("circuit.failure-threshold", 1, 1000, "an integer");
    private static readonly Bound<TimeSpan> s_drainTimeout = new("drain-timeout", TimeSpan.Zero, TimeSpan.FromHours(1), "a duration");
    private static readonly Bound<long> s_maxRemotePayload = new("remote.max-payload", 1024, 1L << 30, "a size in bytes");

    private static readonly Lazy<Config> s_reference = new(LoadReference);

    /// <summary>Number of workers (<c>workers</c>; 0 in HOCON means one per core). At least 1.</summary>
    public required int Workers { get; init; }

    /// <summary>Tasks a worker runs before it retires (<c>task-budget</c>).</summary>
    public required int TaskBudget { get; init; }

    /// <summary>Random spread of each worker's budget, as a fraction (<c>budget-jitter</c>).</summary>
    public required double BudgetJitter { get; init; }

    /// <summary>How long a started task may run (<c>in-flight-timeout</c>).</summary>
    public required TimeSpan InFlightTimeout { get; init; }

    /// <summary>
    /// The engine limits the workers use: <see cref="Engine"/>, with the regex timeout at most half of
    /// <see cref="InFlightTimeout"/> and at most half of <see cref="GracePeriod"/>.
    /// </summary>
    /// <remarks>
    /// A cancel cannot stop a regular expression match; only the regex timeout does. Half the in-flight timeout:
    /// a catastrophic regex started early in a call is reported as the regex limit (<c>LimitExceeded</c>), not as
    /// a timeout, and the engine serves on. Half the grace period: a match started just before the in-flight
    /// timeout cuts the call off runs on for at most the regex timeout, and the engine thread must be back within
    /// the grace period or the worker abandons it; the other half is margin for the cancel to reach the next
    /// statement and for the thread to be scheduled on a loaded machine.
    /// </remarks>
    public EngineLimits EffectiveEngine
    {
        get
        {
            var bound = InFlightTimeout < GracePeriod ? InFlightTimeout / 2 : GracePeriod / 2;
            return Engine.RegexTimeout <= bound ? Engine : Engine with { RegexTimeout = bound };
        }
    }

    /// <summary>Grace for a cancelled engine thread and margin of the backstop timer (<c>grace-period</c>).</summary>
    public required TimeSpan GracePeriod { get; init; }

    /// <summary>Longest time a task may wait in the queue (<c>max-task-age</c>).</summary>
    public required TimeSpan MaxTaskAge { get; init; }

    /// <summary>Queue bound (<c>max-queue-length</c>).</summary>
    public required int MaxQueueLength { get; init; }

    /// <summary>Period of the queue sweep (<c>sweep-interval</c>).</summary>
    public required TimeSpan SweepInterval { get; init; }

    /// <summary>Retire a worker after a script error (<c>recycle-on-script-error</c>).</summary>
    public required bool RecycleOnScriptError { get; init; }

    /// <summary>
    /// Accepted and ignored (<c>pipelining</c>): a worker runs one task at a time and holds none (see
    /// reference.conf for why); a pool started with it on logs a warning.
    /// </summary>
    public bool Pipelining { get; init; }

    /// <summary>Distinct modules an engine may load before it retires (<c>max-modules-per-engine</c>).</summary>
    public required int MaxModulesPerEngine { get; init; }

    /// <summary>Modules loaded into every engine at worker start (<c>preload-modules</c>).</summary>
    public required ImmutableArray<string> PreloadModules { get; init; }

    /// <summary>Limits applied to every engine (<c>engine</c> section).</summary>
    public required EngineLimits Engine { get; init; }

    /// <summary>
    /// The engine kind of this pool (<c>engine.kind</c>: <c>jint</c>, the default, or <c>v8</c>). Not required so
    /// that settings built in code keep the default.
    /// </summary>
    public string EngineKind { get; init; } = Engines.ScriptEngineKinds.Jint;

    /// <summary>First respawn back-off after a failed worker start (<c>respawn.min-backoff</c>).</summary>
    public required TimeSpan MinBackoff { get; init; }

    /// <summary>Longest respawn back-off and half-open probe interval (<c>respawn.max-backoff</c>).</summary>
    public required TimeSpan MaxBackoff { get; init; }

    /// <summary>Random spread of each back-off delay (<c>respawn.random-factor</c>).</summary>
    public required double BackoffRandomFactor { get; init; }

    /// <summary>Consecutive start failures that latch the pool unavailable (<c>circuit.failure-threshold</c>).</summary>
    public required int CircuitFailureThreshold { get; init; }

    /// <summary>How long shutdown waits for tasks in flight (<c>drain-timeout</c>).</summary>
    public required TimeSpan DrainTimeout { get; init; }

    /// <summary>
    /// Largest serialized message sent to or answered across the network, in bytes (<c>remote.max-payload</c>,
    /// default 120000). Not required so that settings built in code keep the default.
    /// </summary>
    public long MaxRemotePayload { get; init; } = DefaultMaxRemotePayload;

    /// <summary>The embedded reference configuration (the <c>actor-pool</c> defaults).</summary>
    public static Config Reference => s_reference.Value;

    /// <summary>The settings of the embedded reference configuration.</summary>
    public static PoolSettings Default { get; } = Create(ConfigurationFactory.Empty);

    /// <summary>
    /// Reads settings from <paramref name="config"/>, falling back to the embedded reference configuration for
    /// every key it does not set. <paramref name="config"/> may be the root (holding an <c>actor-pool</c>
    /// section) or the section itself.
    /// </summary>
    /// <exception cref="PoolConfigurationException">One or more values are invalid; the message names each key.</exception>
    public static PoolSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.HasPath(SectionPath) ? config.GetConfig(SectionPath) : config;
        var merged = (section ?? ConfigurationFactory.Empty).WithFallback(Reference.GetConfig(SectionPath));
        var reader = new Reader(merged);

        var workers = reader.Int(s_workers);
        var settings = new PoolSettings
        {
            Workers = workers == 0 ? Environment.ProcessorCount : workers,
            TaskBudget = reader.Int(s_taskBudget),
            BudgetJitter = reader.Double(s_budgetJitter),
            InFlightTimeout = reader.Duration(s_inFlightTimeout),
            GracePeriod = reader.Duration(s_gracePeriod),
            MaxTaskAge = reader.Duration(s_maxTaskAge),
            MaxQueueLength = reader.Int(s_maxQueueLength),
            SweepInterval = reader.Duration(s_sweepInterval),
            RecycleOnScriptError = reader.Bool("recycle-on-script-error"),
            Pipelining = reader.Bool("pipelining"),
            MaxModulesPerEngine = reader.Int(s_maxModulesPerEngine),
            PreloadModules = reader.Strings("preload-modules"),
            Engine = new EngineLimits
            {
                TimeLimit = reader.Duration(s_timeLimit),
                MemoryLimitBytes = reader.Bytes(s_memoryLimit),
                RecursionLimit = reader.Int(s_recursionLimit),
                MaxStatements = reader.Int(s_maxStatements),
                RegexTimeout = reader.Duration(s_regexTimeout),
                ThreadStackSize = (int)reader.Bytes(s_threadStackSize),
                MaxArgsLength = (int)reader.Bytes(s_maxArgsLength),
            },
            MinBackoff = reader.Duration(s_minBackoff),
            MaxBackoff = reader.Duration(s_maxBackoff),
            BackoffRandomFactor = reader.Double(s_randomFactor),
            CircuitFailureThreshold = reader.Int(s_failureThreshold),
            DrainTimeout = reader.Duration(s_drainTimeout),
            MaxRemotePayload = reader.Bytes(s_maxRemotePayload),
            EngineKind = reader.OneOf("engine.kind", Engines.ScriptEngineKinds.Jint, Engines.ScriptEngineKinds.V8),
        };
        if (reader.Errors.Count == 0 && settings.MaxBackoff < settings.MinBackoff)
        {
            reader.Errors.Add(MaxBackoffError);
        }

        reader.ThrowIfInvalid();
        return settings;
    }

    /// <summary>Checks values set in code (with <c>with</c>) the same way <see cref="Create"/> checks HOCON.</summary>
    /// <exception cref="PoolConfigurationException">One or more values are invalid.</exception>
    public PoolSettings Validate()
    {
        var errors = new List<string>();
        void Check<T>(Bound<T> bound, T value)
            where T : IComparable<T>
        {
            if (!bound.Contains(value))
            {
                errors.Add(bound.Error(value));
            }
        }

        // Settings hold the worker count itself: 0 (one per core) exists only in HOCON.
        if (Workers < 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"actor-pool.workers = {Workers} is out of range; settings built in code need at least 1 worker"));
        }

        Check(s_workers, Workers);
        Check(s_taskBudget, TaskBudget);
        Check(s_budgetJitter, BudgetJitter);
        Check(s_inFlightTimeout, InFlightTimeout);
        Check(s_gracePeriod, GracePeriod);
        Check(s_maxTaskAge, MaxTaskAge);
        Check(s_maxQueueLength, MaxQueueLength);
        Check(s_sweepInterval, SweepInterval);
        Check(s_maxModulesPerEngine, MaxModulesPerEngine);
        Check(s_timeLimit, Engine.TimeLimit);
        Check(s_memoryLimit, Engine.MemoryLimitBytes);
        Check(s_recursionLimit, Engine.RecursionLimit);
        Check(s_maxStatements, Engine.MaxStatements);
        Check(s_regexTimeout, Engine.RegexTimeout);
        Check(s_threadStackSize, Engine.ThreadStackSize);
        Check(s_maxArgsLength, Engine.MaxArgsLength);
        Check(s_minBackoff, MinBackoff);
        Check(s_maxBackoff, MaxBackoff);
        Check(s_randomFactor, BackoffRandomFactor);
        Check(s_failureThreshold, CircuitFailureThreshold);
        Check(s_drainTimeout, DrainTimeout);
        Check(s_maxRemotePayload, MaxRemotePayload);
        if (MaxBackoff < MinBackoff)
        {
            errors.Add(MaxBackoffError);
        }

        if (!Engines.ScriptEngineKinds.IsKnown(EngineKind))
        {
            errors.Add($"actor-pool.engine.kind = {EngineKind} is not valid; expected one of: {Engines.ScriptEngineKinds.Jint}, {Engines.ScriptEngineKinds.V8}");
        }

        if (errors.Count > 0)
        {
            throw new PoolConfigurationException(errors);
        }

        return this;
    }

    /// <summary>
    /// Reads only <c>actor-pool.remote.max-payload</c> (for a client that attaches to a remote pool and has no
    /// other pool settings), falling back to the default when it is absent or invalid.
    /// </summary>
    internal static long ReadMaxRemotePayload(Config config)
    {
        const string Key = SectionPath + ".remote.max-payload";
        try
        {
            return config.HasPath(Key) && config.GetByteSize(Key) is { } value && s_maxRemotePayload.Contains(value)
                ? value
                : DefaultMaxRemotePayload;
        }
#pragma warning disable CA1031 // A malformed value is reported by PoolSettings.Create; here the default is the safe answer.
        catch (Exception)
#pragma warning restore CA1031
        {
            return DefaultMaxRemotePayload;
        }
    }

    private static Config LoadReference()
    {
        using var stream = typeof(PoolSettings).Assembly.GetManifestResourceStream("ActorPool.reference.conf")
            ?? throw new InvalidOperationException("The embedded ActorPool reference.conf is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>Reads keys and collects every error, so one exception can name all bad keys.</summary>
    private sealed class Reader(Config config)
    {
        public List<string> Errors { get; } = [];

        public int Int(Bound<long> bound) => (int)Read(bound, () => config.GetLong(bound.Key));

        public long Bytes(Bound<long> bound) => Read(bound, () => config.GetByteSize(bound.Key) ?? 0L);

        public double Double(Bound<double> bound) => Read(bound, () => config.GetDouble(bound.Key));

        public TimeSpan Duration(Bound<TimeSpan> bound) => Read(bound, () => config.GetTimeSpan(bound.Key, null, allowInfinite: false));

        public string OneOf(string key, params string[] allowed)
        {
            if (!TryRead(key, () => config.GetString(key), out var value) || value is null)
            {
                return allowed[0];
            }

            var normalized = value.Trim().ToLowerInvariant();
            if (Array.IndexOf(allowed, normalized) < 0)
            {
                Errors.Add($"actor-pool.{key} = {value} is not valid; expected one of: {string.Join(", ", allowed)}");
                return allowed[0];
            }

            return normalized;
        }

        public bool Bool(string key) => TryRead(key, () => config.GetBoolean(key), out var value) && value;

        public ImmutableArray<string> Strings(string key)
        {
            return TryRead(key, () => config.GetStringList(key), out var list) && list is not null ? [.. list] : [];
        }

        public void ThrowIfInvalid()
        {
            if (Errors.Count > 0)
            {
                throw new PoolConfigurationException(Errors);
            }
        }

        private bool TryRead<T>(string key, Func<T> read, out T value)
        {
            try
            {
                value = read();
                return true;
            }
#pragma warning disable CA1031 // Any parse failure becomes one line of the aggregated configuration error.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Errors.Add($"actor-pool.{key}: {ex.Message}");
                value = default!;
                return false;
            }
        }

        /// <summary>Reads a bounded key; a malformed or out-of-range value records its error and yields the minimum.</summary>
        private T Read<T>(Bound<T> bound, Func<T> read)
            where T : IComparable<T>
        {
            if (!TryRead(bound.Key, read, out var value))
            {
                return bound.Min;
            }

            if (!bound.Contains(value))
            {
                Errors.Add(bound.Error(value));
                return bound.Min;
            }

            return value;
        }
    }

    /// <summary>The allowed range of one key.</summary>
    private sealed record Bound<T>(string Key, T Min, T Max, string Kind)
        where T : IComparable<T>
    {
        public bool Contains(T value) => value.CompareTo(Min) >= 0 && value.CompareTo(Max) <= 0 && !(value is double d && double.IsNaN(d));

        public string Error(T value) =>
            string.Create(CultureInfo.InvariantCulture, $"actor-pool.{Key} = {value} is out of range; expected {Kind} in {Min} .. {Max}");
    }
}

/// <summary>Limits applied to every engine of a pool (the <c>actor-pool.engine</c> section).</summary>
public sealed record EngineLimits
{
    /// <summary>Wall-clock limit of one call inside the engine; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    public required TimeSpan TimeLimit { get; init; }

    /// <summary>Jint: bytes a single call may allocate; V8: the heap size of each engine (0: 1 GiB). 0 turns the Jint limit off.</summary>
    public required long MemoryLimitBytes { get; init; }

    /// <summary>Maximum JavaScript call depth (always on).</summary>
    public required int RecursionLimit { get; init; }

    /// <summary>Statements a single call may execute; 0 turns the limit off.</summary>
    public required int MaxStatements { get; init; }

    /// <summary>Time one regular expression match may take.</summary>
    public required TimeSpan RegexTimeout { get; init; }

    /// <summary>Stack size of each engine thread, in bytes.</summary>
    public required int ThreadStackSize { get; init; }

    /// <summary>Largest JSON argument array a task may carry, in characters.</summary>
    public required int MaxArgsLength { get; init; }
}

/// <summary>Thrown when pool configuration is invalid; the message lists every bad key.</summary>
public sealed class PoolConfigurationException : Exception
{
    /// <summary>Creates the exception from the list of problems, one per key.</summary>
    public PoolConfigurationException(IReadOnlyList<string> errors)
        : base("Invalid ActorPool configuration: " + string.Join("; ", errors ?? []))
    {
        Errors = errors ?? [];
    }

    /// <summary>Creates the exception with a message.</summary>
    public PoolConfigurationException(string message)
        : base(message)
    {
        Errors = [message];
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public PoolConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Creates an empty exception.</summary>
    public PoolConfigurationException()
        : this("Invalid ActorPool configuration.")
    {
    }

    /// <summary>Each problem, naming its key.</summary>
    public IReadOnlyList<string> Errors { get; }
}
