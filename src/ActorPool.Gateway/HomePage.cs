using System.Globalization;
using System.Net;
using System.Text;
using ActorPool.YouTube.Service;

namespace ActorPool.Gateway;

/// <summary><c>GET /</c>: a small HTML page that says what the service is and shows the live pool state.</summary>
internal static class HomePage
{
    public static IEndpointConventionBuilder MapHomePage(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/", async (IScriptPool pool, YouTubeSolverService youtube, GatewaySettings settings, CancellationToken cancellationToken) =>
        {
            var state = PoolApi.PoolState.From(await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false)) with { Engines = PoolApi.Engines(settings) };
            return Results.Content(Render(state, youtube.Players(), youtube.Stats()), "text/html; charset=utf-8");
        }).ExcludeFromDescription();

    internal static string Render(PoolApi.PoolState state, IReadOnlyList<PlayerStatus>? players = null, YouTubeServiceStats? youtube = null)
    {
        static string E(object value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        var html = new StringBuilder();
        html.Append("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>ActorPool gateway</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem}code{white-space:nowrap}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f3f3f3}.none{color:#666}</style>
            </head><body>
            <h1>ActorPool gateway</h1>
            <p>Runs JavaScript module functions in a fault-tolerant pool of Jint engines:
            <code>POST /v1/scripts/{module}/{function}</code> with <code>{"args": [...]}</code>, and answers the yt-cipher API:
            <code>POST /decrypt_signature</code>, <code>/get_sts</code>, <code>/resolve_url</code>.
            See <a href="/v1/pool">/v1/pool</a>, <a href="/metrics">/metrics</a>, <a href="/health/ready">/health/ready</a>
            and <a href="/openapi/v1.json">/openapi/v1.json</a>. This page refreshes every 5 seconds.</p>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<h2>Pool: {(state.Latched ? "UNAVAILABLE (latched)" : state.Draining ? "draining" : "running")}</h2>");
        if (state.Engines is { } engines)
        {
            html.Append("<table id=\"engines\"><tr><th>pool</th><th>serves</th><th>engine</th><th>solver engine asked (SOLVER_ENGINE)</th></tr>");
            foreach (var engine in engines)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(engine.Pool)}</td><td>{E(string.Join(", ", engine.Serves))}</td><td>{E(engine.Engine)}</td><td>{E(engine.SolverEngineRequested)}</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<table><tr><td></td><th>target</th><th>idle</th><th>busy</th><th>starting</th></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><th>workers</th><td id=\"target\">{E(state.Workers.Target)}</td><td id=\"idle\">{E(state.Workers.Idle)}</td><td id=\"busy\">{E(state.Workers.Busy)}</td><td id=\"starting\">{E(state.Workers.Starting)}</td></tr></table>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Queue: <span id=\"queue\">{E(state.Queue.Length)}</span> of {E(state.Queue.Max)}. Abandoned engines: {E(state.AbandonedEngines)}.</p>");
        html.Append("<h2>Tasks by outcome</h2><table>");
        foreach (var (outcome, count) in state.Tasks)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(outcome)}</th><td>{E(count)}</td></tr>");
        }

        // An empty table renders as nothing, which reads as a broken page.
        html.Append(state.Retirements.Count == 0 ? "</table><h2>Retirements by reason</h2><p class=\"none\">none yet</p><table>" : "</table><h2>Retirements by reason</h2><table>");
        foreach (var (reason, count) in state.Retirements)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(reason)}</th><td>{E(count)}</td></tr>");
        }

        html.Append("</table>");
        if (players is not null)
        {
            html.Append("<h2>YouTube players</h2>");
            if (youtube is not null)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>Downloads: {E(youtube.UpstreamFetches)}, disk-cache hits: {E(youtube.DiskHits)}, extractions: {E(youtube.Extractions)}. Cached: {E(youtube.SolverEntries)} solvers, {E(youtube.PreprocessedEntries)} modules built on this node, {E(youtube.StsEntries)} sts, {E(youtube.SignatureMapEntries)} signature maps, {E(youtube.NCacheEntries)} n answers. Solver tasks: {E(youtube.SolverTasks)}; signatures answered by reindexing: {E(youtube.SignaturesReindexed)}; n memo hits: {E(youtube.NCacheHits)}.</p>");
            }

            html.Append("<table id=\"players\"><tr><th>player</th><th>state</th><th>sts</th><th>detail</th></tr>");
            foreach (var player in players)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(player.CacheKey)}</td><td>{E(player.State)}</td><td>{E(player.Sts ?? "")}</td><td>{E(player.Detail ?? "")}</td></tr>");
            }

            html.Append("</table>");
        }

        return html.Append("</body></html>\n").ToString();
    }
}
