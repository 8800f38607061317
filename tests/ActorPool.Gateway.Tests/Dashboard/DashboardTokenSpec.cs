using ActorPool.Gateway.Tests.YouTube;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// With <c>API_TOKEN</c> set, the home page says a token is needed, sends the one it is given with every request
/// (<c>/dashboard.json</c>, <c>/v1/scripts</c>, the call form), keeps it for the tab, and says when it is wrong.
/// </summary>
[Collection(YouTubeSerial.Name)]
public sealed class DashboardTokenSpec : IAsyncLifetime, IDisposable
{
    private const string Token = "dashboard-s3cret";
    private readonly DashboardModules _modules = new();
    private GatewayHost _gateway = null!;
    private HeadlessChromium _browser = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["SCRIPTS_DIR"] = _modules.Path, ["API_TOKEN"] = Token });
        _browser = await HeadlessChromium.StartAsync(DashboardBrowserSpec.Bounded);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    public void Dispose() => _modules.Dispose();

    [Fact]
    public async Task Dashboard_should_ask_for_the_token_send_it_keep_it_for_the_tab_and_say_when_it_is_wrong()
    {
        var bounded = DashboardBrowserSpec.Bounded;
        await _browser.NavigateAsync(_gateway.Client.BaseAddress!, bounded);
        var banner = await _browser.WaitForAsync("!document.querySelector('#token-banner').hidden && document.querySelector('#token-banner').innerText", bounded, "token banner");
        Assert.Contains("requires an API token", banner.GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await _browser.EvaluateAsync("document.querySelectorAll('table.workers tbody tr').length", bounded)).GetInt32());

        // A wrong token is refused, and the page says so.
        await _browser.EvaluateAsync(UseToken("not-the-token"), bounded);
        await _browser.WaitForAsync("!document.querySelector('#token-banner').hidden && document.querySelector('#token-banner').innerText.includes('not accepted')", bounded, "wrong token said");

        // The right one: the dashboard fills, the modules are listed and the form's call is answered.
        await _browser.EvaluateAsync(UseToken(Token), bounded);
        await _browser.WaitForAsync("document.querySelector('#token-banner').hidden && document.querySelectorAll('section.pool[data-pool=\"script-pool\"] table.workers tbody tr progress').length === 2", bounded, "dashboard with the token");
        await _browser.WaitForAsync("document.querySelector('#modules li[data-module=text] button[data-function=reverse]')", bounded, "modules with the token");
        await _browser.EvaluateAsync("document.querySelector('#modules li[data-module=math] button[data-function=add]').click(); document.querySelector('#call-args').value = '[40, 2]'; document.querySelector('#call-form').requestSubmit(); true", bounded);
        var answer = await _browser.WaitForAsync("document.querySelector('#call-result').textContent.startsWith('result:') && document.querySelector('#call-result').textContent", bounded, "form answer with the token");
        Assert.Equal("result: 42", answer.GetString());

        // Kept for the tab: a reload needs no new entry.
        await _browser.EvaluateAsync("window.beforeReload = true; location.reload(); true", bounded);
        await _browser.WaitForAsync("!window.beforeReload && document.readyState === 'complete' && document.querySelector('#token').value === '" + Token + "' && document.querySelectorAll('section.pool[data-pool=\"script-pool\"] table.workers tbody tr progress').length === 2", bounded, "dashboard after a reload");
        Assert.True((await _browser.EvaluateAsync("!window.beforeReload && document.querySelector('#token-banner').hidden", bounded)).GetBoolean());
    }

    private static string UseToken(string token) =>
        $"document.querySelector('#token').value = '{token}'; document.querySelector('#token-form').requestSubmit(); true";
}
