using ActorPool.Configuration;
using ActorPool.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ActorPool.Hosting.Tests;

public sealed class WithScriptPoolSpec
{
    private static readonly string s_modules = Path.Combine(AppContext.BaseDirectory, "modules");

    private static IHost BuildHost(Action<ScriptPoolOptions> configure, IDictionary<string, string?>? configuration = null, string? hocon = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHealthChecks();
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Services.AddAkka("hosting-spec", akka =>
        {
            if (hocon is not null)
            {
                akka.AddHocon(ConfigurationFactory.ParseString(hocon), HoconAddMode.Append);
            }

            akka.WithScriptPool(configure);
        });
        builder.Services.AddScriptPoolFacade();
        return builder.Build();
    }

    [Fact]
    public async Task WithScriptPool_should_start_a_pool_that_an_injected_IScriptPool_runs_and_stop_cleanly()
    {
        using var host = BuildHost(o => { o.ModulesDirectory = s_modules; o.Workers = 1; });
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IScriptPool>();
        var result = await pool.RunAsync("calc", "add", "[2, 3]");
        Assert.Equal("5", result.Json);
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        Assert.True(registry.TryGet<ScriptPoolSupervisor>(out var supervisor));
        Assert.Equal(pool.Supervisor, supervisor);
        await host.StopAsync();
    }

    [Fact]
    public async Task Two_pools_with_distinct_names_should_start_on_one_system_and_a_keyed_facade_should_reach_the_second()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHealthChecks();
        builder.Services.AddAkka("hosting-spec", akka =>
        {
            akka.WithScriptPool(o => { o.ModulesDirectory = s_modules; o.Workers = 1; });
            akka.WithScriptPool(o => { o.ModulesDirectory = s_modules; o.Workers = 2; o.Name = "second-pool"; });
        });
        builder.Services.AddScriptPoolFacade();
        builder.Services.AddKeyedScriptPoolFacade("second-pool");
        using var host = builder.Build();
        await host.StartAsync();

        var first = host.Services.GetRequiredService<IScriptPool>();
        var second = host.Services.GetRequiredKeyedService<IScriptPool>("second-pool");
        Assert.Equal("5", (await second.RunAsync("calc", "add", "[2, 3]")).Json);
        Assert.Equal(1, (await first.GetStatsAsync()).TargetWorkers);
        Assert.Equal(2, (await second.GetStatsAsync()).TargetWorkers);
        Assert.True(host.Services.GetRequiredService<ActorRegistry>().TryGet<ScriptPoolSupervisor>(out var supervisor));
        Assert.Equal(first.Supervisor, supervisor);
        await host.StopAsync();
    }

    [Fact]
    public void Settings_should_take_code_over_configuration_over_hocon_over_reference()
    {
        var hocon = ConfigurationFactory.ParseString("actor-pool { workers = 3, task-budget = 33, max-queue-length = 333 }");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ActorPool:TaskBudget"] = "44",
            ["ActorPool:Workers"] = "4",
        }).Build();
        var settings = AkkaScriptPoolExtensions.ResolveSettings(new ScriptPoolOptions { Workers = 5 }, configuration, hocon);
        Assert.Equal(5, settings.Workers);
        Assert.Equal(44, settings.TaskBudget);
        Assert.Equal(333, settings.MaxQueueLength);
        Assert.Equal(PoolSettings.Default.MaxTaskAge, settings.MaxTaskAge);
    }

    [Fact]
    public void Options_should_turn_only_set_values_into_hocon()
    {
        var hocon = new ScriptPoolOptions { InFlightTimeout = TimeSpan.FromMilliseconds(300), EngineMemoryLimitBytes = 1024 }.ToHocon();
        Assert.Contains("in-flight-timeout = 300ms", hocon, StringComparison.Ordinal);
        Assert.Contains("engine.memory-limit = 1024", hocon, StringComparison.Ordinal);
        Assert.DoesNotContain("workers", hocon, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_should_carry_the_engine_kind_into_the_settings()
    {
        var options = new ScriptPoolOptions { EngineKind = "v8" };

        Assert.Contains("engine.kind = \"v8\"", options.ToHocon(), StringComparison.Ordinal);
        Assert.Equal("v8", options.ToSettings().EngineKind);
        Assert.Equal("jint", new ScriptPoolOptions().ToSettings().EngineKind);
    }

    [Fact]
    public async Task StartAsync_should_fail_with_one_message_naming_every_bad_key()
    {
        using var host = BuildHost(
            o => { o.ModulesDirectory = s_modules; o.MaxQueueLength = 0; },
            new Dictionary<string, string?> { ["ActorPool:TaskBudget"] = "many", ["ActorPool:InFlightTimeout"] = "soon" });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        var text = error.ToString();
        Assert.Contains("ActorPool:TaskBudget", text, StringComparison.Ordinal);
        Assert.Contains("ActorPool:InFlightTimeout", text, StringComparison.Ordinal);
        Assert.Contains("max-queue-length", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_file_in_hocon_should_parse_into_valid_settings()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "hocon");
        var files = Directory.GetFiles(dir, "*.conf");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var settings = PoolSettings.Create(ConfigurationFactory.ParseString(File.ReadAllText(file))).Validate();
            Assert.True(settings.Workers >= 1, file);
        }
    }

    [Fact]
    public async Task Readiness_should_be_healthy_with_ready_workers_and_unhealthy_while_the_pool_is_latched()
    {
        using var good = BuildHost(o => { o.ModulesDirectory = s_modules; o.Workers = 1; });
        await good.StartAsync();
        Assert.Equal(HealthStatus.Healthy, await AwaitReadiness(good, HealthStatus.Healthy));
        await good.StopAsync();

        // A preloaded module that never parses: every start fails, and one failure latches the pool.
        var broken = new ActorPool.Modules.InMemoryModuleSource().Set("broken", "export function f( {");
        using var latched = BuildHost(
            o => { o.ModuleSource = broken; o.Workers = 1; },
            hocon: "actor-pool { preload-modules = [broken], circuit.failure-threshold = 1, respawn { min-backoff = 1h, max-backoff = 1h } }");
        await latched.StartAsync();
        Assert.Equal(HealthStatus.Unhealthy, await AwaitReadiness(latched, HealthStatus.Unhealthy, mustMention: "latched"));
        await latched.StopAsync();
    }

    private static async Task<HealthStatus> AwaitReadiness(IHost host, HealthStatus wanted, string? mustMention = null)
    {
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HealthReport report;
        do
        {
            report = await health.CheckHealthAsync(c => c.Tags.Contains(AkkaScriptPoolExtensions.ReadyTag));
            if (report.Status == wanted && (mustMention is null || report.Entries.Values.Any(e => e.Description?.Contains(mustMention, StringComparison.Ordinal) == true)))
            {
                return report.Status;
            }

            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        return report.Status;
    }
}
