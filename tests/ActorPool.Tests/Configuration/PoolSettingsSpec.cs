using ActorPool.Configuration;
using Akka.Configuration;

namespace ActorPool.Tests.Configuration;

public sealed class PoolSettingsSpec
{
    [Fact]
    public void PoolSettings_should_read_the_embedded_reference_defaults()
    {
        var settings = PoolSettings.Default;

        Assert.Equal(Environment.ProcessorCount, settings.Workers);
        Assert.Equal(10_000, settings.TaskBudget);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.InFlightTimeout);
        Assert.Equal(10_000, settings.MaxQueueLength);
        Assert.Equal(256L << 20, settings.Engine.MemoryLimitBytes);
        Assert.Equal(1000, settings.Engine.RecursionLimit);
        Assert.Empty(settings.PreloadModules);
    }

    [Fact]
    public void PoolSettings_should_give_engines_a_regex_timeout_of_at_most_half_the_in_flight_timeout()
    {
        var settings = PoolSettings.Default with { InFlightTimeout = TimeSpan.FromMilliseconds(1500) };

        Assert.Equal(TimeSpan.FromMilliseconds(750), settings.EffectiveEngine.RegexTimeout);
        Assert.Equal(settings.Engine with { RegexTimeout = TimeSpan.FromMilliseconds(750) }, settings.EffectiveEngine);
        var roomy = settings with { Engine = settings.Engine with { RegexTimeout = TimeSpan.FromMilliseconds(200) } };
        Assert.Same(roomy.Engine, roomy.EffectiveEngine);
    }

    [Fact]
    public void PoolSettings_should_give_engines_a_regex_timeout_of_at_most_half_the_grace_period()
    {
        var settings = PoolSettings.Default with { InFlightTimeout = TimeSpan.FromSeconds(6), GracePeriod = TimeSpan.FromMilliseconds(400) };

        Assert.Equal(settings.Engine with { RegexTimeout = TimeSpan.FromMilliseconds(200) }, settings.EffectiveEngine);
        // The nearer of the two bounds wins.
        Assert.Equal(TimeSpan.FromMilliseconds(100), (settings with { InFlightTimeout = TimeSpan.FromMilliseconds(200) }).EffectiveEngine.RegexTimeout);
    }

    [Fact]
    public void PoolSettings_should_override_the_defaults_with_given_hocon()
    {
        var settings = PoolSettings.Create(ConfigurationFactory.ParseString("""
            actor-pool { workers = 3, task-budget = 50, engine.memory-limit = 8MiB, preload-modules = [a, b] }
            """));

        Assert.Equal((3, 50, 8L << 20), (settings.Workers, settings.TaskBudget, settings.Engine.MemoryLimitBytes));
        Assert.Equal(["a", "b"], settings.PreloadModules.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(30), settings.MaxTaskAge);
    }

    [Fact]
    public void PoolSettings_should_fail_with_one_message_naming_every_bad_key()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => PoolSettings.Create(ConfigurationFactory.ParseString("""
            actor-pool { task-budget = 0, budget-jitter = 2, max-queue-length = -1, engine.recursion-limit = 1, in-flight-timeout = banana }
            """)));

        foreach (var key in new[] { "task-budget", "budget-jitter", "max-queue-length", "engine.recursion-limit", "in-flight-timeout" })
        {
            Assert.True(error.Message.Contains("actor-pool." + key, StringComparison.Ordinal), $"'{key}' missing from: {error.Message}");
        }

        Assert.Equal(5, error.Errors.Count);
    }

    [Fact]
    public void PoolSettings_should_validate_values_set_in_code()
    {
        var error = Assert.Throws<PoolConfigurationException>(() => (PoolSettings.Default with { Workers = 0, MaxQueueLength = 0 }).Validate());

        Assert.Contains("actor-pool.workers", error.Message, StringComparison.Ordinal);
        Assert.Contains("actor-pool.max-queue-length", error.Message, StringComparison.Ordinal);
    }
}
