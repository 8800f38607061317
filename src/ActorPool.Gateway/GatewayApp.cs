using ActorPool.Cluster;
using ActorPool.Configuration;
using ActorPool.Hosting;
using ActorPool.Modules;
using ActorPool.YouTube.Service;
using ActorPool.Telemetry;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.AspNetCore.Http.Features;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using HistogramConfiguration = Prometheus.HistogramConfiguration;
using Serilog;

namespace ActorPool.Gateway;

/// <summary>Builds the gateway: the composition root that Program.cs and the tests share.</summary>
internal static class GatewayApp
{
    /// <summary>
    /// Builds the gateway from <paramref name="args"/>, the environment, and <paramref name="overrides"/>
    /// (highest precedence; tests use it instead of environment variables). <paramref name="tracing"/>, when
    /// given, turns tracing on without an OTLP endpoint and adds to it (tests register an in-memory exporter).
    /// </summary>
    /// <exception cref="PoolConfigurationException">A setting is invalid; the message names each bad variable.</exception>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<TracerProviderBuilder>? tracing = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        // Every bad variable (pool ranges included) is reported at once, before anything starts.
        var errors = new List<string>();
        var settings = GatewaySettings.Read(builder.Configuration, errors);
        var cluster = ReadCluster(builder.Configuration, errors);
        var hocon = cluster.IsStandalone
            ? LocalHocon()
            : cluster.ToConfig()
                .WithFallback(EmbeddedHocon(cluster.IsGateway ? "gateway.conf" : "worker-node.conf"))
                .WithFallback(ActorPoolConfig.Default);
        var poolSettings = PoolSettings.Default;
        try
        {
            poolSettings = AkkaScriptPoolExtensions.ResolveSettings(settings.Pool, builder.Configuration, hocon);
        }
        catch (PoolConfigurationException ex)
        {
            errors.AddRange(settings.NameVariables(ex.Errors));
        }

        if (errors.Count > 0)
        {
            throw new PoolConfigurationException(errors);
        }

        // Logs: Serilog for ASP.NET Core and Akka alike. LOG_FORMAT=json writes one JSON object per line that always
        // names its level and carries the rendered message (the compact format leaves out the level of
        // Information events and writes only the message template).
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(settings.LogLevel)
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext();
        logger = settings.JsonLogs ? logger.WriteTo.Console(new Serilog.Formatting.Json.JsonFormatter(renderMessage: true)) : logger.WriteTo.Console();
        Log.Logger = logger.CreateLogger();
        builder.Services.AddSerilog(Log.Logger, dispose: false);

        // ASP.NET Core starts an Activity (and a log scope) for every request whenever its hosting category may log at
        // all; that category only writes request start/finish lines, which the Microsoft.AspNetCore override above drops
        // anyway. Tracing (an ActivitySource listener) still gets its request activities.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // Kestrel: where to listen, how big a body may be.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        var host = settings.Host.Contains(':', StringComparison.Ordinal) && !settings.Host.StartsWith('[') ? $"[{settings.Host}]" : settings.Host;
        // With CLUSTER_DISCOVERY, also the cluster bootstrap's contact point on CLUSTER_MANAGEMENT_PORT (ClusterBootstrapApi.cs).
        builder.WebHost.UseUrls([$"http://{(host is "0.0.0.0" or "[::]" ? "*" : host)}:{settings.Port}", .. ClusterBootstrapApi.Urls(cluster)]);

        // Shutdown: Kestrel finishes requests in flight, then the pool drains; the host must wait for both.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = poolSettings.DrainTimeout + poolSettings.GracePeriod + TimeSpan.FromSeconds(15));

        // YouTube solvers are generated at run time by a module provider beside the solver pool (standalone and
        // worker nodes); a gateway node only sends their names.
        // Both metric sets (ours and yt-cipher's families) observe the provider and the service.
        var youtubeMetrics = new YouTubeMetrics();
        var ytCipherMetrics = new YtCipherMetrics();
        var youtubeObservers = new YouTubeObservers(youtubeMetrics, ytCipherMetrics);
        var solverProvider = cluster.IsStandalone || cluster.IsWorker ? new SolverModuleProvider(settings.YouTube, youtubeObservers) : null;
        settings.Pool.ModuleSource = new DirectoryModuleSource(settings.Pool.ModulesDirectory!);

        // The pool, on an actor system that logs through Serilog.
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(cluster);
        void ConfigureAkka(AkkaConfigurationBuilder akka, IServiceProvider _)
        {
            akka.AddHocon(hocon, HoconAddMode.Append);
            akka.WithClusterBootstrapping(cluster);

            // Every log line goes through Serilog: Akka's standard-out logger (which it uses before its loggers
            // start and again while the system shuts down) would write plain text lines into LOG_FORMAT=json output.
            akka.AddHocon($"akka.stdout-logger-class = \"{typeof(SerilogStdoutLogger).AssemblyQualifiedName}\"", HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = ToAkka(settings.LogLevel);
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
            });
            akka.AddStartup((system, _) => FlushLogsBeforeTermination(system));
            // A node that is both gateway and worker runs a pool beside its router.
            if (cluster.IsGateway && cluster.IsWorker)
            {
                akka.WithScriptPool(settings.Pool);
            }

            // The solver pool beside the generic one (its own engine kind, SOLVER_ENGINE), or its router (SolverPool.cs).
            SolverPool.Start(akka, cluster, settings, solverProvider);
        }

        SolverPool.AddFacade(builder.Services, cluster);
        builder.Services.AddSingleton(SolverPool.Pools(settings, settings.Pool.Name ?? ScriptPoolOptions.DefaultName, poolSettings.EngineKind));

        // Standalone and worker nodes run a pool; a gateway node routes to the workers' pools. Either call wires
        // the actor system, the pool or router, its readiness check and the injectable IScriptPool.
        if (cluster.IsGateway)
        {
            builder.Services.AddClusterScriptRouter(ClusterNodeSettings.SystemName, new ClusterPoolOptions(), ConfigureAkka);
            ClusterMetrics.Register();
        }
        else
        {
            builder.Services.AddScriptPool(ClusterNodeSettings.SystemName, settings.Pool, ConfigureAkka);
        }

        // The yt-cipher service: player cache and solvers on the pool; metrics observe it.
        builder.Services.AddSingleton(youtubeMetrics);
        builder.Services.AddSingleton(ytCipherMetrics);
        if (solverProvider is not null)
        {
            // Through a factory, so that the container disposes it at shutdown (it is resolved below).
            builder.Services.AddSingleton(_ => solverProvider);
        }

        builder.Services.AddSingleton(sp => new YouTubeSolverService(SolverPool.Of(sp), settings.YouTube, youtubeObservers, solverProvider));

        // The dashboard (both pools, their recent failures) and GET /v1/scripts (Dashboard.cs, PoolApi.cs).
        // A cluster gateway's budget lives on the worker nodes.
        if (cluster.IsStandalone || cluster.IsGateway)
        {
            GatewayDashboard.Add(builder.Services, settings.Pool.Name ?? "script-pool", cluster.IsGateway ? 0 : poolSettings.TaskBudget, (DirectoryModuleSource)settings.Pool.ModuleSource);
        }

        AddOpenTelemetry(builder, tracing);
        builder.Services.AddHealthChecks().AddCheck("process", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddOpenApi();
        // Export only the pool's meter, under Prometheus names; HTTP metrics come from UseHttpMetrics.
        PoolMeterExporter.EnsureStarted();
        RuntimeMetrics.EnsureConfigured();

        var app = builder.Build();
        StartupLog.WriteWhenStarted(app, settings, cluster, poolSettings);
        if (cluster.IsGateway)
        {
            app.Lifetime.ApplicationStarted.Register(() => ClusterMetrics.Attach(app.Services.GetRequiredService<IClusterScriptPool>()));
        }

        _ = app.Services.GetService<SolverModuleProvider>();
        if (cluster.IsStandalone || cluster.IsGateway)
        {
            // Once started: on a gateway node the service's pool is the cluster router, registered when Akka starts.
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var youtube = app.Services.GetRequiredService<YouTubeSolverService>();
                youtubeMetrics.Start(youtube);
                ytCipherMetrics.Start(youtube);
            });
        }

        app.UseJsonErrors();
        app.UseJsonStatusPages();
        app.UseShutdownGate();
        app.UseApiToken(settings.ApiToken);
        app.UseRouting();
        // yt-cipher's http_request_duration_seconds (YtCipherMetrics) takes the plain name; ours is prefixed.
        app.UseHttpMetrics(o => o.RequestDuration.Histogram = Metrics.CreateHistogram(
            "actorpool_http_request_duration_seconds",
            "Duration of HTTP requests to the gateway, by status code, method and endpoint.",
            new HistogramConfiguration { LabelNames = ["code", "method", "endpoint"] }));
        if (cluster.IsStandalone)
        {
            var ytCipher = app.Services.GetRequiredService<YtCipherMetrics>();
            app.Use((context, next) => ytCipher.InvokeAsync(context, () => next(context)));
        }

        // A worker-only node serves health and metrics; the API lives on gateway (or standalone) nodes.
        if (cluster.IsStandalone || cluster.IsGateway)
        {
            app.MapHomePage();
            app.MapDashboardApi();
            app.MapScriptApi();
            app.MapPoolApi();
        }

        // The yt-cipher endpoints send module names built from player keys; the node that runs a task builds the
        // module itself, so they work the same standalone and on a gateway node.
        if (cluster.IsStandalone || cluster.IsGateway)
        {
            app.MapYouTubeApi();
        }

        app.MapClusterBootstrap(cluster);
        app.MapMetrics("/metrics");
        app.MapHealthChecks("/health/live", new() { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains(AkkaScriptPoolExtensions.ReadyTag) });
        app.MapOpenApi();

        // No fallback route: a catch-all endpoint matches every method and so hides routing's 405 (with Allow) for a
        // path that exists; an unmatched request ends as an empty 404 that UseJsonStatusPages answers as JSON.
        return app;
    }

    /// <summary>
    /// Traces (ASP.NET Core server spans, ActorPool's spans) and metrics (ActorPool's meter, ASP.NET Core's) over
    /// OTLP, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the exporter reads the other standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables itself. <c>/metrics</c> (Prometheus) is served either way.
    /// </summary>
    private static void AddOpenTelemetry(WebApplicationBuilder builder, Action<TracerProviderBuilder>? tracing)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && tracing is null)
        {
            return;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "actorpool-gateway";
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(traces =>
            {
                // The request's server span is the parent of the facade's actorpool.run span.
                traces.AddAspNetCoreInstrumentation().AddActorPoolInstrumentation();
                if (otlp)
                {
                    traces.AddOtlpExporter();
                }

                tracing?.Invoke(traces);
            });
        if (otlp)
        {
            telemetry.WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddActorPoolInstrumentation().AddOtlpExporter());
        }
    }

    /// <summary>The address the started app listens on (for tests that bind port 0).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>().Addresses.First());

    /// <summary>The gateway's embedded HOCON overlay for a single process (hocon/local.conf).</summary>
    internal static Akka.Configuration.Config LocalHocon() => EmbeddedHocon("local.conf");

    /// <summary>The node's cluster settings; a bad <c>CLUSTER_*</c> variable is added to <paramref name="errors"/> and the node reads as standalone.</summary>
    private static ClusterNodeSettings ReadCluster(ConfigurationManager configuration, List<string> errors)
    {
        try
        {
            return ClusterNodeSettings.FromVariables(name => configuration[name]);
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
            return ClusterNodeSettings.FromVariables(_ => null);
        }
    }

    /// <summary>One of the overlays from hocon/ embedded in the gateway.</summary>
    private static Akka.Configuration.Config EmbeddedHocon(string file)
    {
        using var stream = typeof(GatewayApp).Assembly.GetManifestResourceStream("ActorPool.Gateway." + file)
            ?? throw new InvalidOperationException($"the embedded {file} is missing");
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

    /// <summary>
    /// Akka stops its logger actors when the actor system terminates, and a stopped logger drops the events still
    /// in its mailbox, so the last lines of a shutdown (the pool's "Draining:" line among them) could be lost on
    /// a busy machine. Just before termination this asks each logger to identify itself: the answer comes after
    /// every event queued before it has been written.
    /// </summary>
    private static void FlushLogsBeforeTermination(Akka.Actor.ActorSystem system) =>
        Akka.Actor.CoordinatedShutdown.Get(system).AddTask(Akka.Actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "flush-logs", async () =>
        {
            try
            {
                await Akka.Actor.Futures.Ask<Akka.Actor.ActorIdentity>(system.ActorSelection("/system/log*"), new Akka.Actor.Identify(null), TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Akka.Actor.AskTimeoutException)
            {
                // A logger that does not answer in time: terminate anyway.
            }

            return Akka.Done.Instance;
        });
}
