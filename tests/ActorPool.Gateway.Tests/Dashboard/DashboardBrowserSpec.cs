using System.Text.Json;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// The home page in a real browser (headless Chromium), after a mix of calls (successes, a timeout, a script error):
/// charts with axes and tick labels, one row per worker with its budget, the failures just caused, the modules with
/// their functions, and a call made through the form. A screenshot of the page is written to the test's output
/// folder (<c>screenshots/dashboard-standalone.png</c>) for a person to look at.
/// </summary>
/// <remarks>Runs in the serial collection: a browser is heavy on a small machine, and the timing-sensitive specs
/// should not share the cores with it.</remarks>
[Collection(YouTubeSerial.Name)]
public sealed class DashboardBrowserSpec : IAsyncLifetime, IDisposable
{
    internal static readonly TimeSpan Bounded = TimeSpan.FromSeconds(45);
    private readonly DashboardModules _modules = new();
    private GatewayHost _gateway = null!;
    private HeadlessChromium _browser = null!;

    public static string Screenshots => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["SCRIPTS_DIR"] = _modules.Path });
        _browser = await HeadlessChromium.StartAsync(Bounded);
        await _browser.SetViewportAsync(1400, 1100, Bounded);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    public void Dispose() => _modules.Dispose();

    [Fact]
    public async Task Dashboard_should_show_axes_each_worker_the_failures_just_caused_the_modules_and_answer_the_call_form()
    {
        // The sampler's first sample is its baseline (no rate yet): calls made before it would never show as a rate.
        await AwaitFirstSampleAsync(_gateway.Client);
        var marker = "kaput-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(200, (await _gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync()).Status);
        }

        Assert.Equal(504, (await _gateway.CallAsync("faults", "spin", """{"args": []}""").ReadAsync()).Status);
        Assert.Equal(422, (await _gateway.CallAsync("faults", "fail", $$"""{"args": ["{{marker}}"]}""").ReadAsync()).Status);

        await _browser.NavigateAsync(_gateway.Client.BaseAddress!, Bounded);
        const string Pool = "document.querySelector('section.pool[data-pool=\"script-pool\"]')";

        // Charts: four per pool, each with a value axis and a time axis carrying tick labels, and a line drawn.
        var axes = await _browser.WaitForAsync(
            $"(() => {{ const figs = [...{Pool}.querySelectorAll('figure[data-chart]')]; return figs.length === 4 && figs.every(f => f.querySelectorAll('.y-axis text').length >= 3 && f.querySelectorAll('.x-axis text').length >= 2) && figs.map(f => f.querySelector('figcaption').innerText + ' | y: ' + [...f.querySelectorAll('.y-axis text')].map(t => t.textContent).join(' ') + ' | x: ' + [...f.querySelectorAll('.x-axis text')].map(t => t.textContent).join(' ')).join('\\n'); }})()",
            Bounded, "charts with axes");
        Assert.Contains("Run time (ms)", axes.GetString(), StringComparison.Ordinal);
        Assert.Matches(@"y: 0 ms \d", axes.GetString());
        await _browser.WaitForAsync(
            $"{Pool}.querySelector('figure[data-chart=tasks] polyline[data-key=ok_per_s]').getAttribute('points').split(' ').length >= 2",
            Bounded, "the tasks chart draws a line");

        // Hover over the newest point of the line: its time and each line's value (points are about a pixel apart).
        var tip = await _browser.EvaluateAsync(
            $"(() => {{ const f = {Pool}.querySelector('figure[data-chart=tasks]'); const svg = f.querySelector('svg'), r = svg.getBoundingClientRect(), last = svg.querySelector('polyline[data-key=ok_per_s]').getAttribute('points').trim().split(' ').pop().split(',').map(Number); f.dispatchEvent(new MouseEvent('mousemove', {{ clientX: r.left + last[0] * r.width / svg.viewBox.baseVal.width, clientY: r.top + last[1] * r.height / svg.viewBox.baseVal.height, bubbles: true }})); const tip = document.querySelector('#tip'); return tip.style.display === 'block' ? tip.textContent : 'hidden'; }})()",
            Bounded);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+succeeded [\d.]+/s, failed [\d.]+/s$", tip.GetString());

        // One row per worker (the pool keeps 2), each with its budget progress.
        var workers = await _browser.WaitForAsync(
            $"(() => {{ const rows = [...{Pool}.querySelectorAll('table.workers tbody tr')]; return rows.length === 2 && rows.every(r => r.querySelector('progress') && /\\d+ \\/ \\d+/.test(r.innerText)) && rows.map(r => r.innerText).join('\\n'); }})()",
            Bounded, "one row per worker with its budget");
        Assert.Contains("jint", workers.GetString(), StringComparison.Ordinal);

        // The failures just caused, newest first.
        var failures = await _browser.WaitForAsync($"{Pool}.querySelector('table.failures tbody').innerText.includes('{marker}') && {Pool}.querySelector('table.failures tbody').innerText", Bounded, "recent failures");
        Assert.Matches($@"script_error\s+faults\.fail\s+.*{marker}", failures.GetString());
        Assert.Matches(@"timeout\s+faults\.spin", failures.GetString());

        // The modules with their functions; choosing one fills the form, whose call is answered.
        var text = await _browser.WaitForAsync("document.querySelector('#modules li[data-module=text]') && [...document.querySelectorAll('#modules li[data-module=text] button.fn')].map(b => b.textContent).join(',')", Bounded, "module list");
        Assert.Equal("reverse,words", text.GetString());
        await _browser.EvaluateAsync(
            "document.querySelector('#modules li[data-module=text] button[data-function=reverse]').click(); document.querySelector('#call-args').value = '[\"dashboard\"]'; document.querySelector('#call-form').requestSubmit(); true",
            Bounded);
        var answer = await _browser.WaitForAsync("document.querySelector('#call-result').textContent.startsWith('result:') && document.querySelector('#call-result').textContent", Bounded, "form answer");
        Assert.Equal("result: \"draobhsad\"", answer.GetString());

        await _browser.ScreenshotAsync(Path.Combine(Screenshots, "dashboard-standalone.png"), 1400, Bounded);
    }

    internal static async Task AwaitFirstSampleAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + Bounded;
        while (DateTime.UtcNow < deadline)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/dashboard.json", UriKind.Relative)));
            if (json.RootElement.GetProperty("pools")[0].GetProperty("samples").GetArrayLength() > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the dashboard sampler took no sample within " + Bounded);
    }
}
