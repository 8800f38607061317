using ActorPool.Configuration;
using ActorPool.Hosting;
using ActorPool.Modules;
using ActorPool.YouTube.Service;
using ActorPool.Telemetry;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.AspNetCore.Http.Features;
using Prometheus;
using Serilog;
using Serilog.Formatting.Compact;

namespace ActorPool.Gateway;

/// <summary>Builds the gateway: the composition root that Program.cs and the tests share.</summary>
internal static class GatewayApp
{
    private static int s_meterAdapterConfigured;

    /// <summary>
    /// Builds the gateway from <paramref name="args"/>, the environment, and <paramref name="overrides"/>
    /// (highest precedence; tests use it instead of environment variables).
    /// </summary>
    /// <exception cref="PoolConfigurationException">A setting is invalid; the message names each bad variable.</exception>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        // Every bad variable is reported before anything starts.
        var settings = GatewaySettings.From(builder.Configuration);
        var hocon = LocalHocon();
        var poolSettings = AkkaScriptPoolExtensions.ResolveSettings(settings.Pool, builder.Configuration, hocon);

        // Logs: Serilog for ASP.NET Core and Akka alike; compact JSON when LOG_FORMAT=json.
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(settings.LogLevel)
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext();
        logger = settings.JsonLogs ? logger.WriteTo.Console(new CompactJsonFormatter()) : logger.WriteTo.Console();
        Log.Logger = logger.CreateLogger();
        builder.Services.AddSerilog(Log.Logger, dispose: false);

        // Kestrel: where to listen, how big a body may be.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        var host = settings.Host.Contains(':', StringComparison.Ordinal) && !settings.Host.StartsWith('[') ? $"[{settings.Host}]" : settings.Host;
        builder.WebHost.UseUrls($"http://{(host is "0.0.0.0" or "[::]" ? "*" : host)}:{settings.Port}");

        // Shutdown: Kestrel finishes requests in flight, then the pool drains; the host must wait for both.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = poolSettings.DrainTimeout + poolSettings.GracePeriod + TimeSpan.FromSeconds(15));

        // YouTube solvers are generated at run time: they live in memory, in front of the scripts directory.
        var solverModules = new InMemoryModuleSource();
        settings.Pool.ModuleSource = new LayeredModuleSource(solverModules, new DirectoryModuleSource(settings.Pool.ModulesDirectory!));

        // The pool, on an actor system that logs through Serilog.
        builder.Services.AddSingleton(settings);
        builder.Services.AddAkka("actorpool-gateway", akka =>
        {
            akka.AddHocon(hocon, HoconAddMode.Append);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = ToAkka(settings.LogLevel);
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
            });
            akka.WithScriptPool(settings.Pool);
        });
        builder.Services.AddScriptPoolFacade();

        // The yt-cipher service: player cache and solvers on the pool; metrics observe it.
        builder.Services.AddSingleton<YouTubeMetrics>();
        builder.Services.AddSingleton(sp => new YouTubeSolverService(sp.GetRequiredService<IScriptPool>(), solverModules, settings.YouTube, sp.GetRequiredService<YouTubeMetrics>()));

        builder.Services.AddHealthChecks().AddCheck("process", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddOpenApi();
        if (Interlocked.Exchange(ref s_meterAdapterConfigured, 1) == 0)
        {
            // Export only the pool's meter; HTTP metrics come from UseHttpMetrics, so no double counting.
            Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i => i.Meter.Name == PoolMetrics.MeterName);
        }

        var app = builder.Build();

        // Created now so stale disk-cache entries are pruned at start, not on the first request.
        app.Services.GetRequiredService<YouTubeMetrics>().Start(app.Services.GetRequiredService<YouTubeSolverService>());
        app.UseJsonErrors();
        app.UseJsonStatusPages();
        app.UseShutdownGate();
        app.UseApiToken(settings.ApiToken);
        app.UseRouting();
        app.UseHttpMetrics();

        app.MapHomePage();
        app.MapScriptApi();
        app.MapPoolApi();
        app.MapYouTubeApi();
        app.MapMetrics("/metrics");
        app.MapHealthChecks("/health/live", new() { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains(AkkaScriptPoolExtensions.ReadyTag) });
        app.MapOpenApi();
        app.MapFallback((HttpContext context) => ApiError.Result(StatusCodes.Status404NotFound, "not_found", $"no route for {context.Request.Method} {context.Request.Path}"));
        return app;
    }

    /// <summary>The address the started app listens on (for tests that bind port 0).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>().Addresses.First());

    /// <summary>The gateway's embedded HOCON overlay (hocon/local.conf).</summary>
    internal static Akka.Configuration.Config LocalHocon()
    {
        using var stream = typeof(GatewayApp).Assembly.GetManifestResourceStream("ActorPool.Gateway.local.conf")
            ?? throw new InvalidOperationException("the embedded local.conf is missing");
        using var reader = new StreamReader(stream);
        return Akka.Configuration.ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    private static Akka.Event.LogLevel ToAkka(Serilog.Events.LogEventLevel level) => level switch
    {
        Serilog.Events.LogEventLevel.Verbose or Serilog.Events.LogEventLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        Serilog.Events.LogEventLevel.Information => Akka.Event.LogLevel.InfoLevel,
        Serilog.Events.LogEventLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };
}
