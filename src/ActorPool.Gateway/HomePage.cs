using System.Globalization;
using System.Net;
using System.Text;
using ActorPool.YouTube.Service;

namespace ActorPool.Gateway;

/// <summary>
/// <c>GET /</c>: a live dashboard of the pool. The server renders the current totals (readable without script);
/// the inline script then polls <c>GET /dashboard.json</c> every second and redraws charts and tables in place.
/// No external assets: styles, script and the SVG charts are all in the page.
/// </summary>
internal static class HomePage
{
    public static IEndpointConventionBuilder MapHomePage(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/", async (HttpContext context, IScriptPool pool, DashboardOptions options, CancellationToken cancellationToken) =>
        {
            var state = PoolApi.PoolState.From(await pool.GetStatsAsync(cancellationToken).ConfigureAwait(false));
            var youtube = options.ShowYouTube ? context.RequestServices.GetService<YouTubeSolverService>() : null;
            var players = youtube is null ? null : DashboardApi.Players(youtube, context.RequestServices.GetService<YtCipherMetrics>()?.Timings);
            return Results.Content(Render(state, players), "text/html; charset=utf-8");
        }).ExcludeFromDescription();

    /// <summary>The page with the current totals (and players, when this process serves yt-cipher) filled in.</summary>
    internal static string Render(PoolApi.PoolState state, IReadOnlyList<PlayerRow>? players = null)
    {
        static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        static string Ms(double? value) => value is { } v ? Math.Round(v, 2).ToString(CultureInfo.InvariantCulture) : "–";
        var tasks = new StringBuilder();
        foreach (var (outcome, count) in state.Tasks)
        {
            tasks.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(outcome)}</th><td>{E(count)}</td></tr>");
        }

        var playerRows = new StringBuilder();
        foreach (var p in players ?? [])
        {
            playerRows.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(p.Player)}</td><td>{E(p.State)}</td><td>{E(p.Sts)}</td><td>{E(p.Requests)}</td><td>{Ms(p.ColdMs)}</td><td>{Ms(p.LastMs)}</td><td>{E(p.Detail)}</td></tr>");
        }

        return Template
            .Replace("{{status}}", E(Status(state)), StringComparison.Ordinal)
            .Replace("{{target}}", E(state.Workers.Target), StringComparison.Ordinal)
            .Replace("{{idle}}", E(state.Workers.Idle), StringComparison.Ordinal)
            .Replace("{{busy}}", E(state.Workers.Busy), StringComparison.Ordinal)
            .Replace("{{starting}}", E(state.Workers.Starting), StringComparison.Ordinal)
            .Replace("{{queue}}", E(state.Queue.Length), StringComparison.Ordinal)
            .Replace("{{queue_max}}", E(state.Queue.Max), StringComparison.Ordinal)
            .Replace("{{abandoned}}", E(state.AbandonedEngines), StringComparison.Ordinal)
            .Replace("{{tasks}}", tasks.ToString(), StringComparison.Ordinal)
            .Replace("{{youtube_hidden}}", players is null ? " hidden" : "", StringComparison.Ordinal)
            .Replace("{{players}}", playerRows.ToString(), StringComparison.Ordinal);
    }

    private static string Status(PoolApi.PoolState state) => state.Latched ? "UNAVAILABLE (latched)" : state.Draining ? "draining" : "running";

    private const string Template = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ActorPool gateway</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:64rem;padding:0 1rem;color:#222}
        code{white-space:nowrap}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
        .none{color:#666}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
        figure{margin:0}figcaption{font-size:.9rem;color:#444}svg.chart{width:100%;height:8rem;background:#fafafa;border:1px solid #ddd}
        svg.chart polyline{fill:none;stroke-width:1.5}.s0{stroke:#1f6feb}.s1{stroke:#d1242f}.s2{stroke:#8250df}
        svg.chart text{font-size:10px;fill:#555}.k0{color:#1f6feb}.k1{color:#d1242f}.k2{color:#8250df}
        .bar{display:inline-block;height:.6rem;background:#1f6feb;vertical-align:middle}
        form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}input{font:inherit;padding:.15rem .3rem}#call-args{width:12rem}
        #call-result{font-family:ui-monospace,monospace;white-space:pre-wrap}.err{color:#d1242f}#updated{color:#666;font-size:.85rem}
        </style></head><body>
        <h1>ActorPool gateway</h1>
        <p>Runs JavaScript module functions in a fault-tolerant pool of engines:
        <code>POST /v1/scripts/{module}/{function}</code> with <code>{"args": [...]}</code>, and answers the yt-cipher API
        (<code>POST /decrypt_signature</code>, <code>/get_sts</code>, <code>/resolve_url</code>). Also
        <a href="/v1/pool">/v1/pool</a>, <a href="/metrics">/metrics</a>, <a href="/health/ready">/health/ready</a>,
        <a href="/openapi/v1.json">/openapi/v1.json</a>. This page redraws itself every second from
        <a href="/dashboard.json">/dashboard.json</a>; charts cover the last five minutes, one point per second.</p>
        <p>Pool: <strong id="status">{{status}}</strong> <span id="updated"></span></p>

        <div class="grid">
        <figure><figcaption>tasks answered per second <span class="k0">■</span></figcaption><svg id="chart-tasks" class="chart" viewBox="0 0 600 120" preserveAspectRatio="none"></svg></figure>
        <figure><figcaption>latency, ms: run p50 <span class="k0">■</span> run p99 <span class="k1">■</span> queue wait p99 <span class="k2">■</span></figcaption><svg id="chart-latency" class="chart" viewBox="0 0 600 120" preserveAspectRatio="none"></svg></figure>
        <figure><figcaption>queue length <span class="k0">■</span> busy workers <span class="k1">■</span></figcaption><svg id="chart-queue" class="chart" viewBox="0 0 600 120" preserveAspectRatio="none"></svg></figure>
        </div>

        <h2>Workers</h2>
        <table><tr><td></td><th>target</th><th>idle</th><th>busy</th><th>starting</th></tr>
        <tr><th>workers</th><td id="target">{{target}}</td><td id="idle">{{idle}}</td><td id="busy">{{busy}}</td><td id="starting">{{starting}}</td></tr></table>
        <p>Queue: <span id="queue">{{queue}}</span> of <span id="queue-max">{{queue_max}}</span>. Abandoned engines: <span id="abandoned">{{abandoned}}</span>.</p>
        <table id="engines"><thead><tr><th>pool</th><th>engine</th></tr></thead><tbody></tbody></table>
        <p id="worker-note" class="none"></p>
        <table id="workers"><thead><tr><th>state</th><th>workers</th><th>engine</th><th>budget</th></tr></thead><tbody></tbody></table>

        <div class="grid">
        <div><h2>Tasks by outcome</h2><table id="tasks">{{tasks}}</table></div>
        <div><h2>Retirements by reason</h2><table id="retirements"></table><p id="retirements-none" class="none">none yet</p></div>
        </div>

        <h2>Call a function</h2>
        <form id="call-form">
        <input id="call-module" placeholder="module" required aria-label="module">
        <input id="call-function" placeholder="function" required aria-label="function">
        <input id="call-args" placeholder='args, e.g. [1, 2]' value="[]" aria-label="arguments (JSON array)">
        <input id="call-token" placeholder="API token (if set)" type="password" aria-label="API token">
        <button type="submit">Run</button>
        </form>
        <p id="call-result" class="none">The answer or the error kind appears here.</p>

        <section id="youtube-section"{{youtube_hidden}}>
        <h2>YouTube players</h2>
        <p id="youtube-summary"></p>
        <table id="players"><thead><tr><th>player</th><th>state</th><th>sts</th><th>requests</th><th>first uncached request, ms</th><th>last request, ms</th><th>detail</th></tr></thead><tbody>{{players}}</tbody></table>
        <p class="none">First uncached request: player download or disk read, solver extraction and the solve, as the gateway timed it.</p>
        </section>

        <script>
        "use strict";
        const $ = id => document.getElementById(id);
        const W = 600, H = 120, CAPACITY = 300;
        function cell(row, text, tag) { const c = document.createElement(tag || "td"); c.textContent = text == null ? "" : String(text); row.appendChild(c); return c; }
        function fill(tbody, rows, render) { tbody.replaceChildren(); for (const r of rows) { const tr = document.createElement("tr"); render(tr, r); tbody.appendChild(tr); } }
        function fmt(v) { return v == null ? "–" : (Math.round(v * 100) / 100).toString(); }
        function chart(id, samples, keys) {
          const svg = $(id);
          let max = 0;
          for (const s of samples) for (const k of keys) if (s[k] != null && s[k] > max) max = s[k];
          const top = max > 0 ? max * 1.1 : 1;
          const step = W / (CAPACITY - 1);
          let body = '<line x1="0" y1="' + (H - 0.5) + '" x2="' + W + '" y2="' + (H - 0.5) + '" stroke="#ccc"/>';
          keys.forEach((k, i) => {
            const pts = [];
            samples.forEach((s, j) => { if (s[k] != null) pts.push((W - (samples.length - 1 - j) * step).toFixed(1) + "," + (H - 2 - (s[k] / top) * (H - 14)).toFixed(1)); });
            body += '<polyline class="s' + i + '" data-key="' + k + '" points="' + pts.join(" ") + '"/>';
          });
          body += '<text x="4" y="10">max ' + fmt(max) + '</text>';
          svg.innerHTML = body;
          const last = samples.length ? samples[samples.length - 1][keys[0]] : null;
          svg.dataset.last = last == null ? "" : String(last);
          svg.dataset.points = String(samples.length);
        }
        function render(d) {
          const p = d.pool;
          $("status").textContent = p.latched ? "UNAVAILABLE (latched)" : p.draining ? "draining" : "running";
          $("updated").textContent = "updated " + new Date().toLocaleTimeString();
          for (const k of ["target", "idle", "busy", "starting"]) $(k).textContent = p.workers[k];
          $("queue").textContent = p.queue.length; $("queue-max").textContent = p.queue.max; $("abandoned").textContent = p.abandoned_engines;
          chart("chart-tasks", d.samples, ["tasks_per_s"]);
          chart("chart-latency", d.samples, ["p50_ms", "p99_ms", "wait_p99_ms"]);
          chart("chart-queue", d.samples, ["queue", "busy"]);
          fill($("engines").tBodies[0], d.pools, (tr, r) => { cell(tr, r.name); cell(tr, r.engine); });
          const w = d.workers;
          $("worker-note").textContent = w.per_worker ? "" : "The pool reports workers by state, not one by one: one row per state. Each worker runs " + (w.task_budget || "?") + " tasks, then a fresh engine replaces it.";
          fill($("workers").tBodies[0], w.rows, (tr, r) => {
            cell(tr, r.state); cell(tr, r.count); cell(tr, r.engine);
            const c = cell(tr, r.budget_used == null ? (w.task_budget ? w.task_budget + " tasks each" : "") : r.budget_used + " / " + w.task_budget);
            if (r.budget_used != null && w.task_budget) { const b = document.createElement("span"); b.className = "bar"; b.style.width = Math.round(40 * r.budget_used / w.task_budget) + "px"; c.prepend(b, " "); }
          });
          const tasks = $("tasks"); tasks.replaceChildren();
          for (const [k, v] of Object.entries(p.tasks)) { const tr = document.createElement("tr"); cell(tr, k, "th"); cell(tr, v); tasks.appendChild(tr); }
          const ret = $("retirements"); ret.replaceChildren();
          for (const [k, v] of Object.entries(p.retirements)) { const tr = document.createElement("tr"); cell(tr, k, "th"); cell(tr, v); ret.appendChild(tr); }
          $("retirements-none").hidden = Object.keys(p.retirements).length > 0;
          const yt = $("youtube-section");
          yt.hidden = !d.youtube;
          if (d.youtube) {
            const y = d.youtube;
            $("youtube-summary").textContent = "Downloads: " + y.downloads + ", disk-cache hits: " + y.disk_hits + ", extractions: " + y.extractions + ". Cached: " + y.solvers + " solvers, " + y.preprocessed + " extracted modules, " + y.sts + " sts.";
            fill($("players").tBodies[0], d.players || [], (tr, r) => { cell(tr, r.player); cell(tr, r.state); cell(tr, r.sts); cell(tr, r.requests); cell(tr, fmt(r.cold_ms)); cell(tr, fmt(r.last_ms)); cell(tr, r.detail); });
          }
        }
        async function poll() {
          try {
            const r = await fetch("/dashboard.json", { cache: "no-store" });
            if (r.ok) render(await r.json()); else $("updated").textContent = "dashboard.json answered " + r.status;
          } catch (e) { $("updated").textContent = "not reachable: " + e; }
          setTimeout(poll, 1000);
        }
        $("call-form").addEventListener("submit", async ev => {
          ev.preventDefault();
          const out = $("call-result");
          let args;
          try { args = JSON.parse($("call-args").value || "[]"); if (!Array.isArray(args)) throw new Error("not an array"); }
          catch (e) { out.className = "err"; out.textContent = "error: invalid_request (the arguments must be a JSON array: " + e.message + ")"; return; }
          const headers = { "Content-Type": "application/json" };
          if ($("call-token").value) headers["Authorization"] = $("call-token").value;
          out.className = "none"; out.textContent = "running…";
          try {
            const r = await fetch("/v1/scripts/" + encodeURIComponent($("call-module").value) + "/" + encodeURIComponent($("call-function").value), { method: "POST", headers, body: JSON.stringify({ args }) });
            const body = await r.json().catch(() => ({}));
            if (r.ok) { out.className = "ok"; out.textContent = "result: " + JSON.stringify(body.result); }
            else { out.className = "err"; out.textContent = "error: " + (body.kind || "http_" + r.status) + " (" + r.status + ")" + (body.error ? ": " + body.error : ""); }
          } catch (e) { out.className = "err"; out.textContent = "error: network (" + e + ")"; }
        });
        poll();
        </script>
        </body></html>

        """;
}
