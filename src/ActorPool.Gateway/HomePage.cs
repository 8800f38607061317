using System.Globalization;
using System.Net;
using System.Text;
using ActorPool.YouTube.Service;

namespace ActorPool.Gateway;

/// <summary>
/// <c>GET /</c>: the live dashboard. The server renders the page's frame (one panel per pool, and the players the
/// yt-cipher service knows when no token is required); the inline script then polls <c>GET /dashboard.json</c> every
/// second and draws the charts and tables, sending the API token the operator entered (kept for the tab in
/// <c>sessionStorage</c>). No external assets: styles, script and the SVG charts are all in the page.
/// </summary>
internal static class HomePage
{
    public static IEndpointConventionBuilder MapHomePage(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/", (HttpContext context, GatewayPools pools, DashboardOptions options, GatewaySettings settings) =>
        {
            // The page itself is public; with a token required it carries no pool data until the token is given.
            var youtube = options.ShowYouTube && settings.ApiToken is null ? context.RequestServices.GetService<YouTubeSolverService>() : null;
            var players = youtube is null ? null : DashboardApi.Players(youtube, context.RequestServices.GetService<YtCipherMetrics>()?.Timings);
            return Results.Content(Render(pools, settings.ApiToken is not null, players), "text/html; charset=utf-8");
        }).ExcludeFromDescription();

    /// <summary>The page: a panel per pool, and the players (when this process serves yt-cipher and no token is required).</summary>
    internal static string Render(GatewayPools pools, bool tokenRequired, IReadOnlyList<PlayerRow>? players = null)
    {
        static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        static string Ms(double? value) => value is { } v ? Math.Round(v, 2).ToString(CultureInfo.InvariantCulture) : "–";
        var panels = new StringBuilder();
        foreach (var pool in pools.Pools)
        {
            panels.Append(CultureInfo.InvariantCulture, $"""<section class="pool" data-pool="{E(pool.Name)}" data-serves="{E(pool.Serves)}"><div class="pool-head"><h2>{E(pool.Name)}</h2><span class="badge engine">{E(pool.RequestedEngine)}</span><span class="muted">serves {E(pool.Serves)}</span><span class="pill state">…</span></div><div class="pool-body"></div></section>""");
        }

        var playerRows = new StringBuilder();
        foreach (var p in players ?? [])
        {
            playerRows.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(p.Player)}</td><td>{E(p.State)}</td><td>{E(p.Sts)}</td><td>{E(p.Requests)}</td><td>{Ms(p.ColdMs)}</td><td>{Ms(p.LastMs)}</td><td>{E(p.Detail)}</td></tr>");
        }

        return Template
            .Replace("{{token_required}}", tokenRequired ? "true" : "false", StringComparison.Ordinal)
            .Replace("{{pools}}", panels.ToString(), StringComparison.Ordinal)
            .Replace("{{youtube_hidden}}", players is null ? " hidden" : "", StringComparison.Ordinal)
            .Replace("{{players}}", playerRows.ToString(), StringComparison.Ordinal);
    }

    private const string Template = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ActorPool gateway</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        :root{--bg:#f4f6f8;--card:#fff;--ink:#1f2328;--muted:#656d76;--line:#d8dee4;--blue:#0969da;--green:#1a7f37;--red:#cf222e;--amber:#bf8700;--violet:#8250df;--head:#24292f}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
        header.top{background:var(--head);color:#fff;display:flex;align-items:center;gap:1rem;padding:.6rem 1.5rem;flex-wrap:wrap}
        header.top .brand{font-weight:600;font-size:1.1rem}header.top .brand span{color:#9da7b3;font-weight:400}
        header.top nav a{color:#c9d1d9;margin-right:.8rem;text-decoration:none;font-size:.9rem}header.top nav a:hover{color:#fff}
        #updated{color:#9da7b3;font-size:.85rem;margin-left:auto}
        #token-form{display:flex;gap:.3rem}#token-form input{width:12rem;border:1px solid #57606a;background:#32383f;color:#fff;border-radius:4px;padding:.2rem .4rem}
        #token-form button{border:1px solid #57606a;background:#32383f;color:#fff;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
        .banner{margin:1rem 1.5rem 0;padding:.7rem 1rem;border-radius:6px;background:#fff8c5;border:1px solid #d4a72c;color:#633c01}
        .banner.err{background:#ffebe9;border-color:#ff8182;color:#82071e}
        main{padding:0 1.5rem 2rem;max-width:100rem;margin:0 auto}
        section.card,section.pool{background:var(--card);border:1px solid var(--line);border-radius:8px;margin-top:1.2rem;padding:1rem 1.2rem}
        .pool-head{display:flex;align-items:center;gap:.7rem;flex-wrap:wrap}.pool-head h2{margin:0;font-size:1.2rem}
        h2{font-size:1.15rem;margin:0 0 .6rem}h3{font-size:.95rem;margin:1.1rem 0 .4rem;color:#333}
        .muted{color:var(--muted)}.badge{display:inline-block;border-radius:1rem;padding:0 .55rem;font-size:.8rem;border:1px solid var(--line);background:#f6f8fa}
        .pill{display:inline-block;border-radius:1rem;padding:.05rem .6rem;font-size:.8rem;font-weight:600;background:#dafbe1;color:var(--green)}
        .pill.bad{background:#ffebe9;color:var(--red)}.pill.warn{background:#fff8c5;color:#7d4e00}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem;margin:.9rem 0}
        .tile{border:1px solid var(--line);border-radius:6px;padding:.45rem .7rem}.tile .v{font-size:1.35rem;font-weight:600;font-variant-numeric:tabular-nums}.tile .k{color:var(--muted);font-size:.8rem}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:.8rem}
        figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.4rem .5rem .2rem;position:relative}
        figcaption{display:flex;justify-content:space-between;gap:.5rem;font-size:.85rem}figcaption b{font-weight:600}
        .legend span{margin-left:.6rem;white-space:nowrap;font-variant-numeric:tabular-nums}.legend i{display:inline-block;width:.7rem;height:.2rem;vertical-align:middle;margin-right:.25rem}
        svg.chart{width:100%;height:150px;display:block}svg.chart text{font-size:10px;fill:#57606a;font-variant-numeric:tabular-nums}
        svg.chart .grid line{stroke:#eaeef2}svg.chart .axis line{stroke:#8c959f}svg.chart polyline{fill:none;stroke-width:1.6}
        svg.chart .hover line{stroke:#57606a;stroke-dasharray:2 2}svg.chart text.nodata{font-size:12px;fill:#8c959f}
        .tip{position:absolute;pointer-events:none;background:#24292f;color:#fff;font-size:.78rem;padding:.25rem .45rem;border-radius:4px;white-space:nowrap;display:none;z-index:2}
        table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.3rem .5rem;text-align:left;font-variant-numeric:tabular-nums;vertical-align:top}
        th{font-size:.8rem;color:var(--muted);font-weight:600;background:#f6f8fa}td.num,th.num{text-align:right}
        .cols{display:grid;grid-template-columns:2fr 1fr;gap:1.2rem}@media(max-width:60rem){.cols{grid-template-columns:1fr}}
        progress{width:7rem;height:.55rem;vertical-align:middle;margin-right:.4rem;accent-color:var(--blue)}
        .st{font-weight:600;font-size:.8rem}.st-idle{color:var(--green)}.st-busy{color:var(--blue)}.st-starting{color:var(--violet)}.st-recovering{color:var(--amber)}.st-retiring{color:var(--muted)}
        .kind{font-family:ui-monospace,monospace;font-size:.8rem;color:var(--red)}.msg{max-width:40rem;overflow-wrap:anywhere}
        code,.mono{font-family:ui-monospace,SFMono-Regular,monospace;font-size:.85rem}
        ul.modules{list-style:none;padding:0;margin:0}ul.modules li{padding:.3rem 0;border-bottom:1px solid #eaeef2}
        ul.modules button.fn{font:inherit;font-family:ui-monospace,monospace;font-size:.8rem;border:1px solid var(--line);background:#f6f8fa;border-radius:4px;margin:.1rem .2rem;padding:0 .35rem;cursor:pointer}
        ul.modules button.fn:hover{border-color:var(--blue);color:var(--blue)}
        form.call{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}form.call select,form.call input{font:inherit;padding:.2rem .35rem;border:1px solid var(--line);border-radius:4px}
        form.call input{width:14rem}form.call button{font:inherit;padding:.2rem .9rem;border-radius:4px;border:1px solid #1a7f37;background:#1f883d;color:#fff;cursor:pointer}
        #call-result{font-family:ui-monospace,monospace;white-space:pre-wrap;margin:.5rem 0 0}#call-result.err{color:var(--red)}#call-result.ok{color:var(--green)}
        .none{color:var(--muted)}
        </style></head><body>
        <header class="top"><div class="brand">ActorPool <span>gateway</span></div><span id="status" class="pill">loading</span>
        <nav><a href="/v1/pool">/v1/pool</a><a href="/v1/scripts">/v1/scripts</a><a href="/metrics">/metrics</a><a href="/health/ready">/health/ready</a><a href="/openapi/v1.json">OpenAPI</a></nav>
        <span id="updated"></span>
        <form id="token-form"><input id="token" type="password" placeholder="API token" autocomplete="off" aria-label="API token"><button type="submit">Use token</button></form>
        </header>
        <div id="token-banner" class="banner" hidden><b>This gateway requires an API token</b> (API_TOKEN is set): enter it at the top right. It is sent as <code>Authorization</code> with every request this page makes and kept for this tab only.</div>
        <main>
        <section id="cluster" class="card" hidden><h2>Cluster</h2>
        <table class="members"><thead><tr><th>member</th><th>roles</th><th>status</th><th>reachable</th></tr></thead><tbody></tbody></table></section>
        {{pools}}
        <section id="youtube-section" class="card"{{youtube_hidden}}>
        <h2>YouTube players</h2>
        <p id="youtube-summary" class="muted"></p>
        <table id="players"><thead><tr><th>player</th><th>state</th><th>sts</th><th class="num">requests</th><th class="num">first uncached request, ms</th><th class="num">last request, ms</th><th>detail</th></tr></thead><tbody>{{players}}</tbody></table>
        <p class="none">First uncached request: player download or disk read, solver extraction and the solve, as the gateway timed it.</p>
        </section>
        <p class="none">Charts: the last five minutes, one point per second (hover for a point). Tasks, failures and retirements count since the pool started; the failures listed are the last 50 calls this gateway saw fail.</p>
        </main>
        <div class="tip" id="tip"></div>
        <script>
        "use strict";
        const TOKEN_REQUIRED = {{token_required}}, TOKEN_KEY = "actorpool.token", WINDOW_MS = 300000;
        const $ = id => document.getElementById(id);
        const el = (tag, attrs, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v); } for (const c of kids) e.append(c); return e; };
        const svgEl = (tag, attrs) => { const e = document.createElementNS("http://www.w3.org/2000/svg", tag); for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; };
        let token = sessionStorage.getItem(TOKEN_KEY) || "";
        $("token").value = token;
        const auth = () => token ? { "Authorization": token } : {};
        function fmt(v, unit) {
          if (v == null || Number.isNaN(v)) return "–";
          if (unit === "ms" && v >= 1000) return +(v / 1000).toPrecision(3) + " s";
          const a = Math.abs(v), n = a === 0 ? "0" : a >= 100 ? Math.round(v).toString() : String(+v.toPrecision(a >= 1 ? 3 : 2));
          return n + (unit === "ms" ? " ms" : unit === "/s" ? "/s" : "");
        }
        function duration(ms) { if (ms == null) return "–"; if (ms < 1000) return Math.round(ms) + " ms"; const s = ms / 1000; if (s < 60) return s.toFixed(1) + " s"; const m = Math.floor(s / 60); if (m < 60) return m + " min " + Math.floor(s % 60) + " s"; return Math.floor(m / 60) + " h " + (m % 60) + " min"; }
        function niceStep(max, n) { const raw = max / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p; return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p; }
        const clock = t => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
        const CHARTS = [
          { id: "tasks", title: "Tasks answered", unit: "/s", series: [{ key: "ok_per_s", label: "succeeded", color: "#1a7f37" }, { key: "failed_per_s", label: "failed", color: "#cf222e" }] },
          { id: "run", title: "Run time", unit: "ms", series: [{ key: "p50_ms", label: "p50", color: "#0969da" }, { key: "p99_ms", label: "p99", color: "#8250df" }] },
          { id: "wait", title: "Queue wait", unit: "ms", series: [{ key: "wait_p99_ms", label: "p99", color: "#bf8700" }] },
          { id: "queue", title: "Queue length", unit: "tasks", series: [{ key: "queue", label: "queued", color: "#0969da" }, { key: "busy", label: "busy workers", color: "#8c959f" }] },
        ];
        function drawChart(fig, spec, samples) {
          const svg = fig.querySelector("svg"), w = Math.max(200, svg.clientWidth || 400), h = 150, L = 46, R = 10, T = 8, B = 20;
          svg.setAttribute("viewBox", "0 0 " + w + " " + h); svg.replaceChildren();
          const end = samples.length ? samples[samples.length - 1].t : Date.now(), start = end - WINDOW_MS;
          let max = 0; for (const s of samples) for (const se of spec.series) if (s[se.key] != null && s[se.key] > max) max = s[se.key];
          const step = spec.unit === "tasks" ? Math.max(1, Math.round(niceStep(max > 0 ? max : 4, 4))) : niceStep(max > 0 ? max : 1, 4), top = Math.max(spec.unit === "tasks" ? 4 * step : step, Math.ceil((max || step) / step) * step);
          const x = t => L + (t - start) / WINDOW_MS * (w - L - R), y = v => T + (1 - v / top) * (h - T - B);
          const grid = svgEl("g", { class: "grid" }), yAxis = svgEl("g", { class: "axis y-axis" }), xAxis = svgEl("g", { class: "axis x-axis" });
          for (let v = 0; v <= top + step / 2; v += step) {
            grid.append(svgEl("line", { x1: L, x2: w - R, y1: y(v), y2: y(v) }));
            const t = svgEl("text", { x: L - 5, y: y(v) + 3, "text-anchor": "end" }); t.textContent = fmt(v, spec.unit === "tasks" ? "" : spec.unit); yAxis.append(t);
          }
          yAxis.append(svgEl("line", { x1: L, x2: L, y1: T, y2: h - B }));
          xAxis.append(svgEl("line", { x1: L, x2: w - R, y1: h - B, y2: h - B }));
          for (let t = Math.ceil(start / 60000) * 60000; t <= end; t += 60000) {
            xAxis.append(svgEl("line", { x1: x(t), x2: x(t), y1: h - B, y2: h - B + 4 }));
            const lbl = svgEl("text", { x: x(t), y: h - 5, "text-anchor": "middle" }); lbl.textContent = new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }); xAxis.append(lbl);
          }
          svg.append(grid, yAxis, xAxis);
          if (!samples.some(s => spec.series.some(se => s[se.key] != null))) {
            const note = svgEl("text", { x: (L + w - R) / 2, y: (T + h - B) / 2, "text-anchor": "middle", class: "nodata" });
            note.textContent = fig.dataset.remote && (spec.id === "run" || spec.id === "wait") ? "timed on the worker nodes" : "no data yet"; svg.append(note);
          }
          for (const se of spec.series) {
            const pts = samples.filter(s => s[se.key] != null).map(s => x(s.t).toFixed(1) + "," + y(s[se.key]).toFixed(1));
            svg.append(svgEl("polyline", { points: pts.join(" "), stroke: se.color, "data-key": se.key }));
          }
          const hover = svgEl("g", { class: "hover", visibility: "hidden" }); hover.append(svgEl("line", { y1: T, y2: h - B }));
          for (const se of spec.series) hover.append(svgEl("circle", { r: 3, fill: se.color, "data-key": se.key }));
          svg.append(hover);
          fig._chart = { samples, x, y, L, R, w, spec, hover };
          const legend = fig.querySelector(".legend"); legend.replaceChildren();
          const last = samples.length ? samples[samples.length - 1] : {};
          for (const se of spec.series) legend.append(el("span", { "data-key": se.key }, el("i", { style: "background:" + se.color }), se.label + " ", el("b", { text: fmt(last[se.key], spec.unit === "tasks" ? "" : spec.unit) })));
          svg.dataset.points = String(samples.length);
        }
        function hoverChart(fig, ev) {
          const c = fig._chart, tip = $("tip"); if (!c || !c.samples.length) return;
          const svg = fig.querySelector("svg"), r = svg.getBoundingClientRect(), px = (ev.clientX - r.left) * (c.w / r.width);
          let best = null, bd = Infinity; for (const s of c.samples) { const d = Math.abs(c.x(s.t) - px); if (d < bd) { bd = d; best = s; } }
          if (!best || px < c.L || px > c.w - c.R) { c.hover.setAttribute("visibility", "hidden"); tip.style.display = "none"; return; }
          const hx = c.x(best.t); c.hover.setAttribute("visibility", "visible");
          const line = c.hover.querySelector("line"); line.setAttribute("x1", hx); line.setAttribute("x2", hx);
          for (const circle of c.hover.querySelectorAll("circle")) { const v = best[circle.dataset.key]; circle.setAttribute("cx", hx); circle.setAttribute("cy", v == null ? -10 : c.y(v)); }
          tip.textContent = clock(best.t) + "  " + c.spec.series.map(se => se.label + " " + fmt(best[se.key], c.spec.unit === "tasks" ? "" : c.spec.unit)).join(", ");
          tip.style.display = "block"; tip.style.left = (ev.pageX + 12) + "px"; tip.style.top = (ev.pageY - 30) + "px";
        }
        function table(cls, heads) { return el("table", { class: cls }, el("thead", {}, el("tr", {}, ...heads.map(h => el("th", { text: h.replace(/^#/, ""), class: h.startsWith("#") ? "num" : "" })))), el("tbody")); }
        function rows(tbl, items, render, empty) {
          const body = tbl.tBodies[0]; body.replaceChildren();
          if (!items.length && empty) { body.append(el("tr", {}, el("td", { class: "none", colspan: String(tbl.tHead.rows[0].cells.length), text: empty }))); return; }
          for (const it of items) { const tr = el("tr"); for (const c of render(it)) tr.append(c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c == null ? "" : c)); body.append(tr); }
        }
        const num = v => el("td", { class: "num", text: v == null ? "–" : String(v) });
        function buildPool(section) {
          const body = section.querySelector(".pool-body"), charts = el("div", { class: "charts" });
          for (const spec of CHARTS) {
            const fig = el("figure", { "data-chart": spec.id }, el("figcaption", {}, el("b", { text: spec.title + (spec.unit === "tasks" ? "" : " (" + spec.unit + ")") }), el("span", { class: "legend" })));
            fig.append(svgEl("svg", { class: "chart", "aria-label": spec.title }));
            fig.addEventListener("mousemove", ev => hoverChart(fig, ev)); fig.addEventListener("mouseleave", () => { $("tip").style.display = "none"; if (fig._chart) fig._chart.hover.setAttribute("visibility", "hidden"); });
            charts.append(fig);
          }
          const left = el("div", {}, el("h3", { text: "Workers" }), table("workers", ["worker", "state", "engine", "tasks run of budget", "running now", "#running for", "#age"]),
            el("div", { class: "nodes-wrap", hidden: "" }, el("h3", { text: "Worker nodes" }), table("nodes", ["node", "routable", "engine", "#workers", "#busy", "#queue", "#in flight", "#served", "#failed"])),
            el("h3", { text: "Recent failures" }), table("failures", ["time", "kind", "call", "message"]));
          const right = el("div", {}, el("h3", { text: "Tasks by outcome" }), table("outcomes", ["outcome", "#tasks"]), el("h3", { text: "Retirements by reason" }), table("retirements", ["reason", "#workers"]));
          body.append(el("div", { class: "tiles" }), el("p", { class: "pool-error banner err", hidden: "" }), charts, el("div", { class: "cols" }, left, right));
          if (section.dataset.serves === "scripts") body.append(el("div", { class: "cols" },
            el("div", {}, el("h3", { text: "Call a function" }), callForm(), el("p", { id: "call-result", class: "none", text: "Choose a module and a function; the answer or the error kind appears here." })),
            el("div", {}, el("h3", { text: "Modules" }), el("ul", { id: "modules", class: "modules" }, el("li", { class: "none", text: "loading…" })))));
        }
        function callForm() {
          const f = el("form", { id: "call-form", class: "call" }, el("select", { id: "call-module", "aria-label": "module", required: "" }), el("select", { id: "call-function", "aria-label": "function", required: "" }),
            el("input", { id: "call-args", value: "[]", placeholder: "args, a JSON array", "aria-label": "arguments (JSON array)" }), el("button", { type: "submit", text: "Run" }));
          f.addEventListener("submit", call); f.querySelector("#call-module").addEventListener("change", fillFunctions); return f;
        }
        let modules = [];
        function fillFunctions() {
          const m = modules.find(x => x.name === $("call-module").value), sel = $("call-function"), keep = sel.value; sel.replaceChildren();
          for (const fn of (m ? m.functions : [])) sel.append(el("option", { value: fn, text: fn }));
          if ([...sel.options].some(o => o.value === keep)) sel.value = keep;
        }
        function choose(module, fn) { $("call-module").value = module; fillFunctions(); $("call-function").value = fn; $("call-args").focus(); }
        async function loadModules() {
          if (!$("modules")) return;
          try {
            const r = await fetch("/v1/scripts", { headers: auth(), cache: "no-store" });
            if (!r.ok) { $("modules").replaceChildren(el("li", { class: "none", text: r.status === 401 ? "enter the API token to list the modules" : "/v1/scripts answered " + r.status })); return; }
            modules = (await r.json()).modules;
          } catch (e) { $("modules").replaceChildren(el("li", { class: "none", text: "/v1/scripts not reachable (" + e + "); retrying" })); setTimeout(loadModules, 2000); return; }
          const list = $("modules"); list.replaceChildren();
          if (!modules.length) list.append(el("li", { class: "none", text: "no modules in the scripts directory" }));
          for (const m of modules) {
            const li = el("li", { "data-module": m.name }, el("b", { class: "mono", text: m.name }), " ", el("span", { class: "muted mono", title: m.version, text: m.version.replace(/^sha256:/, "").slice(0, 10) }), el("br"));
            for (const fn of m.functions) { const b = el("button", { type: "button", class: "fn", "data-function": fn, text: fn }); b.addEventListener("click", () => choose(m.name, fn)); li.append(b); }
            if (m.error) li.append(el("span", { class: "kind", text: m.error }));
            list.append(li);
          }
          const sel = $("call-module"), keep = sel.value; sel.replaceChildren();
          for (const m of modules) sel.append(el("option", { value: m.name, text: m.name }));
          if (keep && modules.some(m => m.name === keep)) sel.value = keep;
          fillFunctions();
        }
        async function call(ev) {
          ev.preventDefault();
          const out = $("call-result"); let args;
          try { args = JSON.parse($("call-args").value || "[]"); if (!Array.isArray(args)) throw new Error("not an array"); }
          catch (e) { out.className = "err"; out.textContent = "error: invalid_request (the arguments must be a JSON array: " + e.message + ")"; return; }
          out.className = "none"; out.textContent = "running…";
          try {
            const r = await fetch("/v1/scripts/" + encodeURIComponent($("call-module").value) + "/" + encodeURIComponent($("call-function").value), { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, auth()), body: JSON.stringify({ args }) });
            const body = await r.json().catch(() => ({}));
            if (r.ok) { out.className = "ok"; out.textContent = "result: " + JSON.stringify(body.result); }
            else { out.className = "err"; out.textContent = "error: " + (body.kind || "http_" + r.status) + " (" + r.status + ")" + (body.error ? ": " + body.error : ""); }
          } catch (e) { out.className = "err"; out.textContent = "error: network (" + e + ")"; }
        }
        function tile(k, v, sub) { return el("div", { class: "tile" }, el("div", { class: "v", text: String(v) }), el("div", { class: "k", text: k + (sub ? " · " + sub : "") })); }
        function renderPool(p) {
          const section = document.querySelector('section.pool[data-pool="' + CSS.escape(p.name) + '"]'); if (!section) return;
          if (!section.querySelector(".tiles")) { buildPool(section); if (section.dataset.serves === "scripts") loadModules(); }
          const s = p.state, stateEl = section.querySelector(".pill.state");
          section.querySelector(".badge.engine").textContent = p.engine === p.requested ? p.engine : p.engine + " (" + p.requested + " asked for)";
          stateEl.textContent = !s ? "not answering" : s.latched ? "unavailable (latched)" : s.draining ? "draining" : "running";
          stateEl.className = "pill state" + (!s || s.latched ? " bad" : s.draining ? " warn" : "");
          const err = section.querySelector(".pool-error"); err.hidden = !p.error; err.textContent = p.error ? "The pool did not answer: " + p.error : "";
          const failed = s ? Object.entries(s.tasks).filter(([k]) => k !== "succeeded").reduce((a, [, v]) => a + v, 0) : 0;
          const retired = s ? Object.values(s.retirements).reduce((a, v) => a + v, 0) : 0;
          section.querySelector(".tiles").replaceChildren(
            tile("workers", s ? s.workers.idle + s.workers.busy + s.workers.starting : "–", s ? s.workers.busy + " busy, target " + s.workers.target : ""),
            tile("queue", s ? s.queue.length : "–", s ? "of " + s.queue.max : ""),
            tile("succeeded", s ? s.tasks.succeeded || 0 : "–"), tile("failed", s ? failed : "–"),
            tile("retired workers", s ? retired : "–"), tile("abandoned engines", s ? s.abandoned_engines : "–"));
          const samples = p.samples.map(x => Object.assign({}, x, { ok_per_s: x.tasks_per_s == null ? null : Math.max(0, x.tasks_per_s - (x.failed_per_s || 0)) }));
          const cluster = p.nodes != null;
          for (const f of section.querySelectorAll("figure[data-chart]")) if (cluster) f.dataset.remote = "1";
          for (const spec of CHARTS) drawChart(section.querySelector('figure[data-chart="' + spec.id + '"]'), spec, samples);
          const wt = section.querySelector("table.workers");
          wt.tHead.rows[0].cells[0].textContent = cluster ? "node / worker" : "worker";
          rows(wt, p.workers, w => {
            const bar = el("progress", { max: String(w.budget), value: String(Math.min(w.tasks_run, w.budget)), title: w.tasks_run + " of " + w.budget + " tasks" });
            return [el("span", {}, cluster ? el("span", { class: "muted mono", text: w.node.replace(/^akka\.tcp:\/\/[^@]*@/, "") + " " }) : "", el("span", { class: "mono", text: w.name })),
              el("span", { class: "st st-" + w.state, text: w.state }), w.engine, el("span", { class: "budget" }, bar, w.tasks_run + " / " + w.budget),
              w.task ? el("code", { text: w.task }) : el("span", { class: "none", text: "–" }), num(w.running_ms == null ? null : duration(w.running_ms)), num(duration(w.age_s * 1000))];
          }, p.error ? "no data" : "no workers");
          section.querySelector(".nodes-wrap").hidden = !cluster;
          if (cluster) rows(section.querySelector("table.nodes"), p.nodes, n => [el("span", { class: "mono", text: n.address }), n.routable ? "yes" : "no", n.engine, num(n.workers.idle + n.workers.busy + n.workers.starting), num(n.workers.busy), num(n.queue.length), num(n.in_flight), num(n.served), num(n.failed)], "no worker node has this pool yet");
          rows(section.querySelector("table.failures"), p.failures, f => [clock(f.t), el("span", { class: "kind", text: f.kind }), el("code", { text: f.call }), el("span", { class: "msg", text: f.message })], "none since the gateway started");
          rows(section.querySelector("table.outcomes"), s ? Object.entries(s.tasks) : [], ([k, v]) => [k === "succeeded" ? k : el("span", { class: "kind", text: k }), num(v)], "none yet");
          rows(section.querySelector("table.retirements"), s ? Object.entries(s.retirements) : [], ([k, v]) => [k, num(v)], "none yet");
        }
        function render(d) {
          const states = d.pools.map(p => p.state);
          const bad = states.some(s => !s || s.latched);
          $("status").textContent = bad ? "degraded" : states.some(s => s.draining) ? "draining" : "running";
          $("status").className = "pill" + (bad ? " bad" : "");
          $("updated").textContent = "updated " + clock(Date.now());
          $("cluster").hidden = !d.members;
          if (d.members) rows($("cluster").querySelector("table.members"), d.members, m => [el("span", { class: "mono", text: m.address }), m.roles.join(", "), m.status, el("span", { class: m.reachable ? "st st-idle" : "st kind", text: m.reachable ? "reachable" : "unreachable" })]);
          for (const p of d.pools) renderPool(p);
          const yt = $("youtube-section"); yt.hidden = !d.youtube;
          if (d.youtube) {
            const y = d.youtube;
            $("youtube-summary").textContent = "Downloads: " + y.downloads + ", disk-cache hits: " + y.disk_hits + ", extractions: " + y.extractions + ". Cached: " + y.solvers + " solvers, " + y.preprocessed + " extracted modules, " + y.sts + " sts.";
            rows($("players"), d.players || [], r => [r.player, r.state, r.sts, num(r.requests), num(r.cold_ms == null ? null : fmt(r.cold_ms)), num(r.last_ms == null ? null : fmt(r.last_ms)), r.detail]);
          }
        }
        function needToken(wrong) {
          const b = $("token-banner"); b.hidden = false;
          b.firstElementChild.textContent = wrong ? "The API token was not accepted" : "This gateway requires an API token";
          $("status").textContent = "token needed"; $("status").className = "pill warn";
        }
        let timer = null;
        async function poll() {
          clearTimeout(timer);
          try {
            const r = await fetch("/dashboard.json", { cache: "no-store", headers: auth() });
            if (r.status === 401) needToken(!!token);
            else if (r.ok) { $("token-banner").hidden = true; render(await r.json()); }
            else $("updated").textContent = "dashboard.json answered " + r.status;
          } catch (e) { $("updated").textContent = "not reachable: " + e; }
          timer = setTimeout(poll, 1000);
        }
        $("token-form").addEventListener("submit", ev => {
          ev.preventDefault(); token = $("token").value.trim();
          if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
          poll(); loadModules();
        });
        if (TOKEN_REQUIRED && !token) needToken(false);
        poll(); loadModules(); setInterval(loadModules, 30000);
        </script>
        </body></html>

        """;
}
