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
        var started = ScriptPoolRegistry.For(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).TryGet("script-pool");
        Assert.Equal(((ScriptPool)started!).Supervisor, supervisor);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddScriptPool_should_wire_the_actor_system_the_pool_its_readiness_and_an_injectable_IScriptPool_in_one_call()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHealthChecks();
        var configured = false;
        builder.Services.AddScriptPool("one-call", o => { o.ModulesDirectory = s_modules; o.Workers = 1; }, (_, _) => configured = true);
        using var host = builder.Build();
        await host.StartAsync();

        var result = await host.Services.GetRequiredService<IScriptPool>().RunAsync("calc", "add", "[20, 22]");
        Assert.Equal("42", result.Json);
        Assert.True(configured);
        Assert.Equal("one-call", host.Services.GetRequiredService<Akka.Actor.ActorSystem>().Name);
        Assert.Equal(HealthStatus.Healthy, await AwaitReadiness(host, HealthStatus.Healthy));
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
        var firstPool = Assert.IsType<ScriptPool>(ScriptPoolRegistry.For(host.Services.GetRequiredService<Akka.Actor.ActorSystem>()).TryGet(ScriptPoolOptions.DefaultName));
        Assert.Equal(firstPool.Supervisor, supervisor);
        await host.StopAsync();
    }

    [Fact]
    public void IScriptPool_should_expose_no_actor_reference()
    {
        var members = typeof(IScriptPool).GetMembers().Select(m => m switch
        {
            System.Reflection.PropertyInfo p => p.PropertyType,
            System.Reflection.MethodInfo method => method.ReturnType,
            _ => typeof(void),
        });
        Assert.DoesNotContain(members, t => typeof(Akka.Actor.IActorRef).IsAssignableFrom(t));
    }

    [Fact]
    public void Options_should_offer_every_key_of_the_actor_pool_section()
    {
        // Bind a value for every option from configuration; the HOCON they produce must name every reference key.
        var values = new Dictionary<string, string?>
        {
            ["ActorPool:PreloadModules:0"] = "calc",
            ["ActorPool:EngineKind"] = "jint",
            ["ActorPool:RecycleOnScriptError"] = "true",
            ["ActorPool:Pipelining"] = "true",
        };
        foreach (var property in typeof(ScriptPoolOptions).GetProperties())
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var key = "ActorPool:" + property.Name;
            if (type == typeof(TimeSpan))
            {
                values[key] = "00:00:01";
            }
            else if (type == typeof(int) || type == typeof(long))
            {
                values[key] = "2000000";
            }
            else if (type == typeof(double))
            {
                values[key] = "0.25";
            }
        }

        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(ScriptPoolOptions.ConfigurationSection);
        var errors = new List<string>();
        var options = ScriptPoolOptions.FromConfiguration(section, errors);
        Assert.Empty(errors);

        var set = ConfigurationFactory.ParseString(options.ToHocon()).GetConfig(PoolSettings.SectionPath);
        var reference = PoolSettings.Reference.GetConfig(PoolSettings.SectionPath);
        var missing = reference.AsEnumerable().Select(e => e.Key).Where(k => !set.HasPath(k)).ToList();
        Assert.True(missing.Count == 0, "keys without an option: " + string.Join(", ", missing));
    }

    [Fact]
    public void Options_should_bind_through_the_configuration_binder_and_report_every_bad_or_unknown_key_at_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ActorPool:Workers"] = "2",
            ["ActorPool:RespawnMaxBackoff"] = "00:00:05",
            ["ActorPool:PreloadModules:0"] = "calc",
            ["ActorPool:TaskBudget"] = "many",
            ["ActorPool:EngineRegexTimeout"] = "soon",
            ["ActorPool:Wrokers"] = "3",
            ["ActorPool:CircuitFailureThreshold"] = "0",
        }).Build();

        var error = Assert.Throws<PoolConfigurationException>(() => AkkaScriptPoolExtensions.ResolveSettings(new ScriptPoolOptions(), configuration, null));

        Assert.Contains("ActorPool:TaskBudget = 'many' is not an integer", error.Message, StringComparison.Ordinal);
        Assert.Contains("ActorPool:EngineRegexTimeout = 'soon' is not a duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("ActorPool:Wrokers is not an option", error.Message, StringComparison.Ordinal);
        Assert.Contains("actor-pool.circuit.failure-threshold = 0 is out of range", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Errors.Count);

        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ActorPool:Workers"] = "2",
            ["ActorPool:RespawnMaxBackoff"] = "00:00:05",
            ["ActorPool:PreloadModules:0"] = "calc",
        }).Build();
        var settings = AkkaScriptPoolExtensions.ResolveSettings(new ScriptPoolOptions(), good, null);
        Assert.Equal(2, settings.Workers);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.MaxBackoff);
        Assert.Equal("calc", Assert.Single(settings.PreloadModules));
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
