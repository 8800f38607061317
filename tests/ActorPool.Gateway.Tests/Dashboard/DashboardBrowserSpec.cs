using System.Text.Json;
using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// The home page in a real browser (headless Chromium): the charts are drawn and move as the pool works, the tables
/// fill from <c>/dashboard.json</c>, and the form calls a module function and shows the answer or the error kind.
/// </summary>
/// <remarks>Runs in the serial collection: a browser is heavy on a small machine, and the timing-sensitive specs
/// should not share the cores with it.</remarks>
[Collection(YouTubeSerial.Name)]
public sealed class DashboardBrowserSpec : IAsyncLifetime
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);
    private GatewayHost _gateway = null!;
    private HeadlessChromium _browser = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _browser = await HeadlessChromium.StartAsync(Bounded);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Home_page_should_draw_charts_that_move_and_answer_the_call_form()
    {
        await _browser.NavigateAsync(_gateway.Client.BaseAddress!, Bounded);

        // First render from /dashboard.json: three charts with their lines, the worker and engine tables.
        await _browser.WaitForAsync(
            "location.pathname === '/' && document.querySelectorAll('svg.chart').length === 3 && [...document.querySelectorAll('svg.chart')].every(s => s.querySelector('polyline'))",
            Bounded, "charts drawn");
        var engines = await _browser.WaitForAsync("document.querySelector('#engines tbody tr') && document.querySelector('#engines tbody').innerText", Bounded, "engine table");
        Assert.Contains("jint", engines.GetString(), StringComparison.Ordinal);
        var workerRows = await _browser.EvaluateAsync("document.querySelectorAll('#workers tbody tr').length", Bounded);
        Assert.Equal(3, workerRows.GetInt32());
        var before = (await _browser.EvaluateAsync("document.querySelector('#chart-tasks polyline').getAttribute('points')", Bounded)).GetString();

        // The sampler's first sample is its baseline (no rate yet): calls made before it would never show as a rate.
        await AwaitFirstSampleAsync();

        // Work for the pool: the tasks chart must show a non-zero rate and the latency chart a point.
        for (var i = 0; i < 20; i++)
        {
            var (status, _) = await _gateway.CallAsync("faults", "add", """{"args": [1, 2]}""").ReadAsync();
            Assert.Equal(200, status);
        }

        await _browser.WaitForAsync(
            $"(() => {{ const svg = document.querySelector('#chart-tasks'); const pts = svg.querySelector('polyline').getAttribute('points'); return pts !== {JsonSerializer.Serialize(before)} && svg.querySelector('text').textContent !== 'max 0' && document.querySelector('#chart-latency polyline[data-key=p50_ms]').getAttribute('points').length > 0; }})()",
            Bounded, "charts changed after the calls");
        var succeeded = await _browser.WaitForAsync("[...document.querySelectorAll('#tasks tr')].map(r => r.innerText).find(t => t.startsWith('succeeded'))", Bounded, "tasks table");
        Assert.Matches(@"succeeded\s+(2\d|[3-9]\d|\d{3,})", succeeded.GetString());

        // The form: an answer, then an error kind.
        await _browser.EvaluateAsync(Submit("faults", "add", "[2, 40]"), Bounded);
        var answer = await _browser.WaitForAsync("document.querySelector('#call-result').textContent.startsWith('result:') && document.querySelector('#call-result').textContent", Bounded, "form answer");
        Assert.Equal("result: 42", answer.GetString());

        await _browser.EvaluateAsync(Submit("faults", "nope", "[]"), Bounded);
        var error = await _browser.WaitForAsync("document.querySelector('#call-result').textContent.startsWith('error:') && document.querySelector('#call-result').textContent", Bounded, "form error");
        Assert.StartsWith("error: module_not_found (404)", error.GetString(), StringComparison.Ordinal);
    }

    private static string Submit(string module, string function, string args) =>
        $"document.querySelector('#call-module').value = {JsonSerializer.Serialize(module)}; " +
        $"document.querySelector('#call-function').value = {JsonSerializer.Serialize(function)}; " +
        $"document.querySelector('#call-args').value = {JsonSerializer.Serialize(args)}; " +
        "document.querySelector('#call-result').textContent = ''; document.querySelector('#call-form').requestSubmit(); true";

    private async Task AwaitFirstSampleAsync()
    {
        var deadline = DateTime.UtcNow + Bounded;
        while (DateTime.UtcNow < deadline)
        {
            using var json = JsonDocument.Parse(await _gateway.Client.GetStringAsync(new Uri("/dashboard.json", UriKind.Relative)));
            if (json.RootElement.GetProperty("samples").GetArrayLength() > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the dashboard sampler took no sample within " + Bounded);
    }
}
