using System.Globalization;
using System.Text;
using ActorPool.Configuration;
using ActorPool.Modules;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorPool.Hosting;

/// <summary>
/// Options of a pool started by <see cref="AkkaScriptPoolExtensions.WithScriptPool(Akka.Hosting.AkkaConfigurationBuilder, ScriptPoolOptions)"/>.
/// Every value is nullable: null keeps the value from configuration (<c>IConfiguration</c> section
/// <see cref="ConfigurationSection"/>, then HOCON, then the embedded <c>reference.conf</c>). Only set values
/// become HOCON keys; <c>reference.conf</c> documents each key, its unit and default.
/// </summary>
public sealed class ScriptPoolOptions
{
    /// <summary>The <c>IConfiguration</c> section the options are bound from: <c>ActorPool</c>.</summary>
    public const string ConfigurationSection = "ActorPool";

    /// <summary>The supervisor's actor name; default <c>script-pool</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Directory of <c>.mjs</c>/<c>.js</c> modules; ignored when <see cref="ModuleSource"/> is set.</summary>
    public string? ModulesDirectory { get; set; }

    /// <summary>Where modules come from (code only); default a <see cref="DirectoryModuleSource"/> over <see cref="ModulesDirectory"/>.</summary>
    public IModuleSource? ModuleSource { get; set; }

    /// <summary><c>actor-pool.workers</c>: worker count, 0 = one per core. 0 .. 4096.</summary>
    public int? Workers { get; set; }

    /// <summary><c>actor-pool.task-budget</c>: tasks per worker before it retires. At least 1.</summary>
    public int? TaskBudget { get; set; }

    /// <summary><c>actor-pool.budget-jitter</c>: random spread of the budget, 0 .. 0.5.</summary>
    public double? BudgetJitter { get; set; }

    /// <summary><c>actor-pool.in-flight-timeout</c>: how long a started task may run.</summary>
    public TimeSpan? InFlightTimeout { get; set; }

    /// <summary><c>actor-pool.grace-period</c>: grace for a cancelled engine thread.</summary>
    public TimeSpan? GracePeriod { get; set; }

    /// <summary><c>actor-pool.max-task-age</c>: longest wait in the queue.</summary>
    public TimeSpan? MaxTaskAge { get; set; }

    /// <summary><c>actor-pool.max-queue-length</c>: queue bound, at least 1.</summary>
    public int? MaxQueueLength { get; set; }

    /// <summary><c>actor-pool.sweep-interval</c>: period of the queue age sweep.</summary>
    public TimeSpan? SweepInterval { get; set; }

    /// <summary><c>actor-pool.drain-timeout</c>: how long shutdown waits for tasks in flight.</summary>
    public TimeSpan? DrainTimeout { get; set; }

    /// <summary><c>actor-pool.recycle-on-script-error</c>: retire a worker after a script error.</summary>
    public bool? RecycleOnScriptError { get; set; }

    /// <summary>
    /// <c>actor-pool.engine.kind</c>: <c>jint</c> (the default) or <c>v8</c>. V8 needs the
    /// <c>ActorPool.Engines.V8</c> assembly in the host; without it (or its native library) the pool logs a
    /// warning and runs on Jint.
    /// </summary>
    public string? EngineKind { get; set; }

    /// <summary><c>actor-pool.engine.memory-limit</c> in bytes; 0 turns the limit off.</summary>
    public long? EngineMemoryLimitBytes { get; set; }

    /// <summary><c>actor-pool.engine.recursion-limit</c>: maximum call depth, 16 .. 100000.</summary>
    public int? EngineRecursionLimit { get; set; }

    /// <summary><c>actor-pool.engine.time-limit</c>: the engine's own wall-clock backstop per call; zero turns it off.</summary>
    public TimeSpan? EngineTimeLimit { get; set; }

    /// <summary>The actor name to use.</summary>
    internal string EffectiveName => string.IsNullOrWhiteSpace(Name) ? "script-pool" : Name;

    /// <summary>Returns a copy where every value set in <paramref name="higher"/> replaces this one's.</summary>
    public ScriptPoolOptions OverriddenBy(ScriptPoolOptions higher)
    {
        ArgumentNullException.ThrowIfNull(higher);
        return new ScriptPoolOptions
        {
            Name = higher.Name ?? Name,
            ModulesDirectory = higher.ModulesDirectory ?? ModulesDirectory,
            ModuleSource = higher.ModuleSource ?? ModuleSource,
            Workers = higher.Workers ?? Workers,
            TaskBudget = higher.TaskBudget ?? TaskBudget,
            BudgetJitter = higher.BudgetJitter ?? BudgetJitter,
            InFlightTimeout = higher.InFlightTimeout ?? InFlightTimeout,
            GracePeriod = higher.GracePeriod ?? GracePeriod,
            MaxTaskAge = higher.MaxTaskAge ?? MaxTaskAge,
            MaxQueueLength = higher.MaxQueueLength ?? MaxQueueLength,
            SweepInterval = higher.SweepInterval ?? SweepInterval,
            DrainTimeout = higher.DrainTimeout ?? DrainTimeout,
            RecycleOnScriptError = higher.RecycleOnScriptError ?? RecycleOnScriptError,
            EngineKind = higher.EngineKind ?? EngineKind,
            EngineMemoryLimitBytes = higher.EngineMemoryLimitBytes ?? EngineMemoryLimitBytes,
            EngineRecursionLimit = higher.EngineRecursionLimit ?? EngineRecursionLimit,
            EngineTimeLimit = higher.EngineTimeLimit ?? EngineTimeLimit,
        };
    }

    /// <summary>The set values as an <c>actor-pool { ... }</c> HOCON block; unset values are left out.</summary>
    public string ToHocon()
    {
        var hocon = new StringBuilder("actor-pool {\n");
        void Add(string key, object? value)
        {
            var text = value switch
            {
                null => null,
                TimeSpan t => ((long)Math.Ceiling(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms",
                bool b => b ? "on" : "off",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (text is not null)
            {
                hocon.Append("  ").Append(key).Append(" = ").Append(text).Append('\n');
            }
        }

        Add("workers", Workers);
        Add("task-budget", TaskBudget);
        Add("budget-jitter", BudgetJitter);
        Add("in-flight-timeout", InFlightTimeout);
        Add("grace-period", GracePeriod);
        Add("max-task-age", MaxTaskAge);
        Add("max-queue-length", MaxQueueLength);
        Add("sweep-interval", SweepInterval);
        Add("drain-timeout", DrainTimeout);
        Add("recycle-on-script-error", RecycleOnScriptError);
        Add("engine.kind", EngineKind is null ? null : Quoted(EngineKind));
        Add("engine.memory-limit", EngineMemoryLimitBytes);
        Add("engine.recursion-limit", EngineRecursionLimit);
        Add("engine.time-limit", EngineTimeLimit);
        return hocon.Append("}\n").ToString();
    }

    /// <summary>A HOCON string literal (JSON quoting), so any text stays one value.</summary>
    private static string Quoted(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>
    /// Builds the pool's settings: these options over <paramref name="fallback"/> (a root HOCON config that may
    /// hold an <c>actor-pool</c> section) over the embedded reference configuration.
    /// </summary>
    /// <exception cref="PoolConfigurationException">A value is invalid; the message names every bad key.</exception>
    public PoolSettings ToSettings(Config? fallback = null)
    {
        var own = ConfigurationFactory.ParseString(ToHocon());
        return PoolSettings.Create(fallback is null ? own : own.WithFallback(fallback)).Validate();
    }

    /// <summary>
    /// Reads options from an <c>IConfiguration</c> section (keys are the property names, e.g.
    /// <c>ActorPool:Workers</c>, <c>ActorPool:InFlightTimeout</c> as <c>00:00:30</c>).
    /// </summary>
    /// <param name="section">The section, usually <c>configuration.GetSection("ActorPool")</c>.</param>
    /// <param name="errors">Receives one line per bad value, naming its key.</param>
    public static ScriptPoolOptions FromConfiguration(IConfiguration section, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        var prefix = section is IConfigurationSection s ? s.Path + ":" : string.Empty;
        T? Read<T>(string key, Func<string, (bool Ok, T Value)> parse, string expected)
            where T : struct
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            var (ok, value) = parse(text.Trim());
            if (!ok)
            {
                errors.Add($"{prefix}{key} = '{text}' is not {expected}");
                return null;
            }

            return value;
        }

        static (bool, int) Int(string t) => (int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v);
        static (bool, long) Long(string t) => (long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v);
        static (bool, double) Dbl(string t) => (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v), v);
        static (bool, bool) Bool(string t) => (bool.TryParse(t, out var v), v);
        static (bool, TimeSpan) Time(string t) => (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var v), v);
        const string Duration = "a duration (hh:mm:ss[.fff])";

        return new ScriptPoolOptions
        {
            Name = section[nameof(Name)],
            ModulesDirectory = section[nameof(ModulesDirectory)],
            Workers = Read(nameof(Workers), Int, "an integer"),
            TaskBudget = Read(nameof(TaskBudget), Int, "an integer"),
            BudgetJitter = Read(nameof(BudgetJitter), Dbl, "a number"),
            InFlightTimeout = Read(nameof(InFlightTimeout), Time, Duration),
            GracePeriod = Read(nameof(GracePeriod), Time, Duration),
            MaxTaskAge = Read(nameof(MaxTaskAge), Time, Duration),
            MaxQueueLength = Read(nameof(MaxQueueLength), Int, "an integer"),
            SweepInterval = Read(nameof(SweepInterval), Time, Duration),
            DrainTimeout = Read(nameof(DrainTimeout), Time, Duration),
            RecycleOnScriptError = Read(nameof(RecycleOnScriptError), Bool, "true or false"),
            EngineKind = section[nameof(EngineKind)],
            EngineMemoryLimitBytes = Read(nameof(EngineMemoryLimitBytes), Long, "an integer"),
            EngineRecursionLimit = Read(nameof(EngineRecursionLimit), Int, "an integer"),
            EngineTimeLimit = Read(nameof(EngineTimeLimit), Time, Duration),
        };
    }
}
