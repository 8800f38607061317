using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Modules;
using Akka.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorPool.Hosting;

/// <summary>
/// Options of a pool started by <see cref="AkkaScriptPoolExtensions.WithScriptPool(Akka.Hosting.AkkaConfigurationBuilder, ScriptPoolOptions)"/>:
/// one nullable property per key of the <c>actor-pool</c> HOCON section. Null keeps the value from configuration
/// (the <c>IConfiguration</c> section <see cref="ConfigurationSection"/>, then HOCON, then the embedded
/// <c>reference.conf</c>). Only set values become HOCON keys, and the pool's settings are built from that HOCON, so
/// every range is checked in one place (<see cref="PoolSettings.Create"/>); <c>reference.conf</c> documents each
/// key, its unit, range and default.
/// </summary>
public sealed class ScriptPoolOptions
{
    /// <summary>The <c>IConfiguration</c> section the options are bound from: <c>ActorPool</c>.</summary>
    public const string ConfigurationSection = "ActorPool";

    /// <summary>The default pool (supervisor actor) name: <c>script-pool</c>.</summary>
    public const string DefaultName = "script-pool";

    private static readonly PropertyInfo[] s_properties = typeof(ScriptPoolOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>The supervisor's actor name; default <see cref="DefaultName"/>.</summary>
    public string? Name { get; set; }

    /// <summary>Directory of <c>.mjs</c>/<c>.js</c> modules; ignored when <see cref="ModuleSource"/> is set.</summary>
    public string? ModulesDirectory { get; set; }

    /// <summary>Where modules come from (code only); default a <see cref="DirectoryModuleSource"/> over <see cref="ModulesDirectory"/>.</summary>
    public IModuleSource? ModuleSource { get; set; }

    /// <summary><c>actor-pool.workers</c>: worker count, 0 = one per core.</summary>
    [HoconKey("workers")]
    public int? Workers { get; set; }

    /// <summary><c>actor-pool.task-budget</c>: tasks per worker before it retires.</summary>
    [HoconKey("task-budget")]
    public int? TaskBudget { get; set; }

    /// <summary><c>actor-pool.budget-jitter</c>: random spread of the budget, as a fraction.</summary>
    [HoconKey("budget-jitter")]
    public double? BudgetJitter { get; set; }

    /// <summary><c>actor-pool.in-flight-timeout</c>: how long a started task may run.</summary>
    [HoconKey("in-flight-timeout")]
    public TimeSpan? InFlightTimeout { get; set; }

    /// <summary><c>actor-pool.grace-period</c>: grace for a cancelled engine thread.</summary>
    [HoconKey("grace-period")]
    public TimeSpan? GracePeriod { get; set; }

    /// <summary><c>actor-pool.max-task-age</c>: longest wait in the queue.</summary>
    [HoconKey("max-task-age")]
    public TimeSpan? MaxTaskAge { get; set; }

    /// <summary><c>actor-pool.max-queue-length</c>: queue bound.</summary>
    [HoconKey("max-queue-length")]
    public int? MaxQueueLength { get; set; }

    /// <summary><c>actor-pool.sweep-interval</c>: period of the queue age sweep.</summary>
    [HoconKey("sweep-interval")]
    public TimeSpan? SweepInterval { get; set; }

    /// <summary><c>actor-pool.recycle-on-script-error</c>: retire a worker after a script error.</summary>
    [HoconKey("recycle-on-script-error")]
    public bool? RecycleOnScriptError { get; set; }

    /// <summary><c>actor-pool.pipelining</c>: a running worker holds its next task (off by default; see <c>reference.conf</c>).</summary>
    [HoconKey("pipelining")]
    public bool? Pipelining { get; set; }

    /// <summary><c>actor-pool.max-modules-per-engine</c>: distinct modules an engine loads before it retires.</summary>
    [HoconKey("max-modules-per-engine")]
    public int? MaxModulesPerEngine { get; set; }

    /// <summary><c>actor-pool.preload-modules</c>: modules loaded into every engine at worker start.</summary>
    [HoconKey("preload-modules")]
    public IReadOnlyList<string>? PreloadModules { get; set; }

    /// <summary>
    /// <c>actor-pool.engine.kind</c>: <c>jint</c> (the default) or <c>v8</c>. V8 needs the
    /// <c>ActorPool.Engines.V8</c> assembly in the host; without it (or its native library) the pool logs a
    /// warning and runs on Jint.
    /// </summary>
    [HoconKey("engine.kind")]
    public string? EngineKind { get; set; }

    /// <summary><c>actor-pool.engine.time-limit</c>: the engine's own wall-clock backstop per call; zero turns it off.</summary>
    [HoconKey("engine.time-limit")]
    public TimeSpan? EngineTimeLimit { get; set; }

    /// <summary><c>actor-pool.engine.memory-limit</c> in bytes; 0 turns the Jint limit off.</summary>
    [HoconKey("engine.memory-limit")]
    public long? EngineMemoryLimitBytes { get; set; }

    /// <summary><c>actor-pool.engine.recursion-limit</c>: maximum call depth.</summary>
    [HoconKey("engine.recursion-limit")]
    public int? EngineRecursionLimit { get; set; }

    /// <summary><c>actor-pool.engine.max-statements</c>: statements one call may execute (Jint); 0 turns it off.</summary>
    [HoconKey("engine.max-statements")]
    public int? EngineMaxStatements { get; set; }

    /// <summary><c>actor-pool.engine.regex-timeout</c>: time one regular expression match may take (Jint).</summary>
    [HoconKey("engine.regex-timeout")]
    public TimeSpan? EngineRegexTimeout { get; set; }

    /// <summary><c>actor-pool.engine.thread-stack-size</c> in bytes: stack of each engine thread.</summary>
    [HoconKey("engine.thread-stack-size")]
    public long? EngineThreadStackSizeBytes { get; set; }

    /// <summary><c>actor-pool.engine.max-args-length</c>: largest JSON argument array of a task, in characters.</summary>
    [HoconKey("engine.max-args-length")]
    public long? EngineMaxArgsLength { get; set; }

    /// <summary><c>actor-pool.respawn.min-backoff</c>: first delay before re-starting a worker whose start failed.</summary>
    [HoconKey("respawn.min-backoff")]
    public TimeSpan? RespawnMinBackoff { get; set; }

    /// <summary><c>actor-pool.respawn.max-backoff</c>: longest delay between start attempts.</summary>
    [HoconKey("respawn.max-backoff")]
    public TimeSpan? RespawnMaxBackoff { get; set; }

    /// <summary><c>actor-pool.respawn.random-factor</c>: random spread of each back-off delay.</summary>
    [HoconKey("respawn.random-factor")]
    public double? RespawnRandomFactor { get; set; }

    /// <summary><c>actor-pool.circuit.failure-threshold</c>: consecutive start failures that latch the pool unavailable.</summary>
    [HoconKey("circuit.failure-threshold")]
    public int? CircuitFailureThreshold { get; set; }

    /// <summary><c>actor-pool.remote.max-payload</c> in bytes: largest protocol message sent across the network.</summary>
    [HoconKey("remote.max-payload")]
    public long? RemoteMaxPayloadBytes { get; set; }

    /// <summary><c>actor-pool.drain-timeout</c>: how long shutdown waits for tasks in flight.</summary>
    [HoconKey("drain-timeout")]
    public TimeSpan? DrainTimeout { get; set; }

    /// <summary>The actor name to use.</summary>
    internal string EffectiveName => string.IsNullOrWhiteSpace(Name) ? DefaultName : Name;

    /// <summary>Returns a copy where every value set in <paramref name="higher"/> replaces this one's.</summary>
    public ScriptPoolOptions OverriddenBy(ScriptPoolOptions higher)
    {
        ArgumentNullException.ThrowIfNull(higher);
        var merged = new ScriptPoolOptions();
        foreach (var property in s_properties)
        {
            property.SetValue(merged, property.GetValue(higher) ?? property.GetValue(this));
        }

        return merged;
    }

    /// <summary>The set values as an <c>actor-pool { ... }</c> HOCON block; unset values are left out.</summary>
    public string ToHocon()
    {
        var hocon = new StringBuilder("actor-pool {\n");
        foreach (var property in s_properties)
        {
            if (property.GetCustomAttribute<HoconKeyAttribute>() is { } key && property.GetValue(this) is { } value)
            {
                hocon.Append("  ").Append(key.Key).Append(" = ").Append(HoconValue(value)).Append('\n');
            }
        }

        return hocon.Append("}\n").ToString();
    }

    /// <summary>
    /// Builds the pool's settings: these options over <paramref name="fallback"/> (a root HOCON config that may
    /// hold an <c>actor-pool</c> section) over the embedded reference configuration.
    /// </summary>
    /// <exception cref="PoolConfigurationException">A value is invalid; the message names every bad key.</exception>
    public PoolSettings ToSettings(Config? fallback = null)
    {
        var own = ConfigurationFactory.ParseString(ToHocon());
        return PoolSettings.Create(fallback is null ? own : own.WithFallback(fallback));
    }

    /// <summary>
    /// Binds options from an <c>IConfiguration</c> section with the standard configuration binder: the keys are the
    /// property names (e.g. <c>ActorPool:Workers</c>, <c>ActorPool:InFlightTimeout</c> as <c>00:00:30</c>,
    /// <c>ActorPool:PreloadModules:0</c>). Each key is bound on its own, so one bad value does not hide the next.
    /// </summary>
    /// <param name="section">The section, usually <c>configuration.GetSection("ActorPool")</c>.</param>
    /// <param name="errors">Receives one line per bad value or unknown key, naming its key.</param>
    public static ScriptPoolOptions FromConfiguration(IConfiguration section, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        var options = new ScriptPoolOptions();
        foreach (var child in section.GetChildren())
        {
            var property = Array.Find(s_properties, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null || property.PropertyType == typeof(IModuleSource))
            {
                errors.Add($"{child.Path} is not an option; the keys are the {nameof(ScriptPoolOptions)} property names (reference.conf documents each)");
                continue;
            }

            try
            {
                property.SetValue(options, child.Get(property.PropertyType));
            }
            catch (InvalidOperationException)
            {
                errors.Add($"{child.Path} = '{child.Value}' is not {Expected(property.PropertyType)}");
            }
        }

        return options;
    }

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "an integer",
        var t when t == typeof(double) => "a number",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(TimeSpan) => "a duration (hh:mm:ss[.fff])",
        _ => "valid",
    };

    private static string HoconValue(object value) => value switch
    {
        TimeSpan t => ((long)Math.Ceiling(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms",
        bool b => b ? "on" : "off",
        // JSON quoting keeps any text one HOCON value; a JSON array is a HOCON list.
        string s => JsonSerializer.Serialize(s),
        IReadOnlyList<string> list => JsonSerializer.Serialize(list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"no HOCON form for {value.GetType()}"),
    };

    /// <summary>The <c>actor-pool</c> key an option sets: each key is named once, here.</summary>
    [AttributeUsage(AttributeTargets.Property)]
    private sealed class HoconKeyAttribute(string key) : Attribute
    {
        public string Key { get; } = key;
    }
}
