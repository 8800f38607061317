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
    private const long MinRemotePayload = 1024;
    private const long MaxRemotePayloadLimit = 1L << 30;

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
    /// <see cref="InFlightTimeout"/>, so a catastrophic regular expression is cut by the regex limit (and
    /// reported as such) before the task's in-flight timeout.
    /// </summary>
    public EngineLimits EffectiveEngine => Engine.RegexTimeout <= InFlightTimeout / 2 ? Engine : Engine with { RegexTimeout = InFlightTimeout / 2 };

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
    /// Whether a running worker holds the next queued task so its engine thread starts it without a round trip
    /// (<c>pipelining</c>, default off: see reference.conf for why).
    /// </summary>
    public bool Pipelining { get; init; }

    /// <summary>Distinct modules an engine may load before it retires (<c>max-modules-per-engine</c>).</summary>
    public required int MaxModulesPerEngine { get; init; }

    /// <summary>Modules loaded into every engine at worker start (<c>preload-modules</c>).</summary>
    public required ImmutableArray<string> PreloadModules { get; init; }

    /// <summary>Limits applied to every engine (<c>engine</c> section).</summary>
    public required EngineLimits Engine { get; init; }

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

        var workers = reader.Int("workers", 0, 4096);
        var settings = new PoolSettings
        {
            Workers = workers == 0 ? Environment.ProcessorCount : workers,
            TaskBudget = reader.Int("task-budget", 1, 1_000_000_000),
            BudgetJitter = reader.Double("budget-jitter", 0, 0.5),
            InFlightTimeout = reader.Duration("in-flight-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)),
            GracePeriod = reader.Duration("grace-period", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            MaxTaskAge = reader.Duration("max-task-age", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)),
            MaxQueueLength = reader.Int("max-queue-length", 1, 10_000_000),
            SweepInterval = reader.Duration("sweep-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
            RecycleOnScriptError = reader.Bool("recycle-on-script-error"),
            Pipelining = reader.Bool("pipelining"),
            MaxModulesPerEngine = reader.Int("max-modules-per-engine", 1, 10_000),
            PreloadModules = reader.Strings("preload-modules"),
            Engine = new EngineLimits
            {
                TimeLimit = reader.Duration("engine.time-limit", TimeSpan.Zero, TimeSpan.FromDays(1)),
                MemoryLimitBytes = reader.Bytes("engine.memory-limit", 0, long.MaxValue),
                RecursionLimit = reader.Int("engine.recursion-limit", 16, 100_000),
                MaxStatements = reader.Int("engine.max-statements", 0, int.MaxValue),
                RegexTimeout = reader.Duration("engine.regex-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
                ThreadStackSize = (int)reader.Bytes("engine.thread-stack-size", 1L << 20, 1L << 30),
                MaxArgsLength = (int)reader.Bytes("engine.max-args-length", 1, int.MaxValue / 2),
            },
            MinBackoff = reader.Duration("respawn.min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            MaxBackoff = reader.Duration("respawn.max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            BackoffRandomFactor = reader.Double("respawn.random-factor", 0, 1),
            CircuitFailureThreshold = reader.Int("circuit.failure-threshold", 1, 1000),
            DrainTimeout = reader.Duration("drain-timeout", TimeSpan.Zero, TimeSpan.FromHours(1)),
            MaxRemotePayload = reader.Bytes("remote.max-payload", MinRemotePayload, MaxRemotePayloadLimit),
        };
        if (reader.Errors.Count == 0 && settings.MaxBackoff < settings.MinBackoff)
        {
            reader.Errors.Add("actor-pool.respawn.max-backoff must not be shorter than respawn.min-backoff");
        }

        reader.ThrowIfInvalid();
        return settings;
    }

    /// <summary>Checks values set in code (with <c>with</c>) the same way <see cref="Create"/> checks HOCON.</summary>
    /// <exception cref="PoolConfigurationException">One or more values are invalid.</exception>
    public PoolSettings Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string key, object value, string range)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"actor-pool.{key} = {value} is out of range; expected {range}"));
            }
        }

        Check(Workers is >= 1 and <= 4096, "workers", Workers, "1 .. 4096");
        Check(TaskBudget >= 1, "task-budget", TaskBudget, ">= 1");
        Check(BudgetJitter is >= 0 and <= 0.5, "budget-jitter", BudgetJitter, "0 .. 0.5");
        Check(InFlightTimeout > TimeSpan.Zero, "in-flight-timeout", InFlightTimeout, "> 0");
        Check(GracePeriod > TimeSpan.Zero, "grace-period", GracePeriod, "> 0");
        Check(MaxTaskAge > TimeSpan.Zero, "max-task-age", MaxTaskAge, "> 0");
        Check(MaxQueueLength >= 1, "max-queue-length", MaxQueueLength, ">= 1");
        Check(SweepInterval > TimeSpan.Zero, "sweep-interval", SweepInterval, "> 0");
        Check(MaxModulesPerEngine >= 1, "max-modules-per-engine", MaxModulesPerEngine, ">= 1");
        Check(Engine.RecursionLimit is >= 16 and <= 100_000, "engine.recursion-limit", Engine.RecursionLimit, "16 .. 100000");
        Check(Engine.MemoryLimitBytes >= 0, "engine.memory-limit", Engine.MemoryLimitBytes, ">= 0");
        Check(Engine.MaxStatements >= 0, "engine.max-statements", Engine.MaxStatements, ">= 0");
        Check(Engine.ThreadStackSize >= 1 << 20, "engine.thread-stack-size", Engine.ThreadStackSize, ">= 1MiB");
        Check(Engine.MaxArgsLength >= 1, "engine.max-args-length", Engine.MaxArgsLength, ">= 1");
        Check(MinBackoff > TimeSpan.Zero && MaxBackoff >= MinBackoff, "respawn.max-backoff", MaxBackoff, ">= respawn.min-backoff > 0");
        Check(BackoffRandomFactor is >= 0 and <= 1, "respawn.random-factor", BackoffRandomFactor, "0 .. 1");
        Check(CircuitFailureThreshold >= 1, "circuit.failure-threshold", CircuitFailureThreshold, ">= 1");
        Check(DrainTimeout >= TimeSpan.Zero, "drain-timeout", DrainTimeout, ">= 0");
        Check(MaxRemotePayload is >= MinRemotePayload and <= MaxRemotePayloadLimit, "remote.max-payload", MaxRemotePayload, "1KiB .. 1GiB");
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
            return config.HasPath(Key) && config.GetByteSize(Key) is { } value and >= MinRemotePayload and <= MaxRemotePayloadLimit
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

        public int Int(string key, int min, int max)
        {
            if (!TryRead(key, () => config.GetLong(key), out var value))
            {
                return min;
            }

            if (value < min || value > max)
            {
                Fail(key, value, $"an integer in {min} .. {max}");
                return min;
            }

            return (int)value;
        }

        public long Bytes(string key, long min, long max)
        {
            if (!TryRead(key, () => config.GetByteSize(key) ?? 0L, out var value))
            {
                return min;
            }

            if (value < min || value > max)
            {
                Fail(key, value, $"a size in {min} .. {max} bytes");
                return min;
            }

            return value;
        }

        public double Double(string key, double min, double max)
        {
            if (!TryRead(key, () => config.GetDouble(key), out var value))
            {
                return min;
            }

            if (double.IsNaN(value) || value < min || value > max)
            {
                Fail(key, value, $"a number in {min} .. {max}");
                return min;
            }

            return value;
        }

        public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
        {
            if (!TryRead(key, () => config.GetTimeSpan(key, null, allowInfinite: false), out var value))
            {
                return TimeSpan.FromMilliseconds(1);
            }

            if (value < min || value > max)
            {
                Fail(key, value, $"a duration in {min} .. {max}");
                return min;
            }

            return value;
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

        private void Fail(string key, object value, string expected) =>
            Errors.Add(string.Create(CultureInfo.InvariantCulture, $"actor-pool.{key} = {value} is out of range; expected {expected}"));
    }
}

/// <summary>Limits applied to every engine of a pool (the <c>actor-pool.engine</c> section).</summary>
public sealed record EngineLimits
{
    /// <summary>Wall-clock limit of one call inside Jint; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    public required TimeSpan TimeLimit { get; init; }

    /// <summary>Bytes a single call may allocate; 0 turns the limit off.</summary>
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
