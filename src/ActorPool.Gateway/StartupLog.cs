using System.Globalization;
using System.Text;
using ActorPool.Cluster;
using ActorPool.Configuration;
using ActorPool.Modules;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorPool.Gateway;

/// <summary>
/// The one block the gateway logs once it listens: where, the dashboard's URL, each pool with its engine, workers
/// and budget, the modules it serves, and whether calls need a token. An operator reads the process's state at start
/// from it instead of piecing it together from settings.
/// </summary>
internal static partial class StartupLog
{
    /// <summary>Logs the block (event <c>GatewayStarted</c>, Information) once <paramref name="app"/> has started.</summary>
    public static void WriteWhenStarted(WebApplication app, GatewaySettings settings, ClusterNodeSettings cluster, PoolSettings pool) =>
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                await WriteAsync(app, settings, cluster, pool).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A start-up summary that cannot be written must never take the gateway down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                NotWritten(app.Logger, ex);
            }
        }));

    private static async Task WriteAsync(WebApplication app, GatewaySettings settings, ClusterNodeSettings cluster, PoolSettings pool)
    {
        if (!app.Logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var serving = cluster.IsStandalone || cluster.IsGateway;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"ActorPool gateway started ({(cluster.IsStandalone ? "standalone" : "cluster roles: " + string.Join(", ", cluster.Roles))})");
        text.Append(CultureInfo.InvariantCulture, $"\n  listening on  {string.Join(", ", addresses)}");
        if (serving)
        {
            // A wildcard address (HOST=0.0.0.0) is not a URL a browser opens: name this machine instead.
            var dashboards = addresses.Select(a => System.Text.RegularExpressions.Regex.Replace(a, @"//(0\.0\.0\.0|\[::\]|\*|\+)(?=:)", "//localhost").TrimEnd('/') + "/");
            text.Append(CultureInfo.InvariantCulture, $"\n  dashboard     {string.Join(", ", dashboards)}");
            text.Append(CultureInfo.InvariantCulture, $"\n  API           /v1/scripts (list), POST /v1/scripts/{{module}}/{{function}}, yt-cipher endpoints, /openapi/v1.json");
        }

        foreach (var gatewayPool in app.Services.GetService<GatewayPools>()?.Pools ?? [])
        {
            string engine;
            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var stats = await gatewayPool.Pool(app.Services).GetStatsAsync(wait.Token).ConfigureAwait(false);
                engine = stats.EngineKind == gatewayPool.RequestedEngine ? stats.EngineKind : $"{stats.EngineKind} ({gatewayPool.RequestedEngine} asked for)";
            }
#pragma warning disable CA1031 // Stats not available yet (a cluster gateway with no worker node): say what was asked for.
            catch (Exception)
#pragma warning restore CA1031
            {
                engine = gatewayPool.RequestedEngine + " (asked for)";
            }

            var where = cluster.IsGateway && !cluster.IsWorker
                ? $"runs on the {ClusterNodeSettings.WorkerRole} nodes"
                : string.Create(CultureInfo.InvariantCulture, $"{pool.Workers} workers, budget {pool.TaskBudget} tasks per worker (±{pool.BudgetJitter:P0})");
            text.Append(CultureInfo.InvariantCulture, $"\n  pool {gatewayPool.Name,-12} {gatewayPool.Serves}: engine {engine}, {where}");
        }

        if (settings.Pool.ModuleSource is DirectoryModuleSource modules)
        {
            var names = modules.List();
            text.Append(CultureInfo.InvariantCulture, $"\n  modules       {names.Count} from {modules.Directory}: {(names.Count == 0 ? "(none)" : string.Join(", ", names))}");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n  API token     {(settings.ApiToken is null ? "not required (API_TOKEN is not set)" : "required: send Authorization: <API_TOKEN> (the dashboard asks for it)")}");
        var summary = text.ToString();
        Started(app.Logger, summary);
    }

    [LoggerMessage(EventId = 1, EventName = "GatewayStarted", Level = LogLevel.Information, Message = "{StartupSummary}")]
    private static partial void Started(ILogger logger, string startupSummary);

    [LoggerMessage(EventId = 2, EventName = "GatewayStartedSummaryFailed", Level = LogLevel.Warning, Message = "The start-up summary could not be written")]
    private static partial void NotWritten(ILogger logger, Exception exception);
}
