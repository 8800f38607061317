using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ActorPool.Gateway.Tests.Dashboard;

/// <summary>
/// A headless Chromium (Debian package <c>chromium</c>) driven through the DevTools protocol over a WebSocket on
/// 127.0.0.1: navigate, evaluate script, wait for a DOM condition inside the page with a bounded time.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private static readonly string[] BrowserNames = ["chromium", "chromium-browser", "google-chrome"];

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser executable on PATH, or null.</summary>
    public static string? Executable() =>
        BrowserNames
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    public static async Task<HeadlessChromium> StartAsync(TimeSpan timeout)
    {
        var executable = Executable()
            ?? throw new Xunit.Sdk.XunitException("Chromium is not installed: apt-get install chromium (.ci/run installs it when missing)");
        var profile = Path.Combine(Path.GetTempPath(), "actorpool-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            Uri? endpoint = null;
            while (endpoint is null && await process.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                if (DevToolsLine().Match(line) is { Success: true } match)
                {
                    endpoint = new Uri(match.Groups[1].Value);
                }
            }

            if (endpoint is null)
            {
                throw new InvalidOperationException("chromium exited before it opened the DevTools port");
            }

            // Drain the rest of stderr so the browser never blocks on a full pipe.
            _ = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync(CancellationToken.None) is not null)
                {
                }
            });

            using var http = new HttpClient { Timeout = timeout };
            var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{endpoint.Authority}/json/list"), cts.Token))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), cts.Token);
            browser._receiving = browser.ReceiveAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> in the page.</summary>
    public Task NavigateAsync(Uri url, TimeSpan timeout) => SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, timeout);

    /// <summary>Lays the page out at <paramref name="width"/> × <paramref name="height"/> CSS pixels (scale 1).</summary>
    public Task SetViewportAsync(int width, int height, TimeSpan timeout) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, timeout);

    /// <summary>Writes a PNG of the whole page (<paramref name="width"/> wide, as tall as the page) to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path, int width, TimeSpan timeout)
    {
        var height = (await EvaluateAsync("Math.ceil(document.documentElement.scrollHeight)", timeout)).GetInt32();
        await SetViewportAsync(width, Math.Max(height, 200), timeout);
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true }, timeout);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value (promises awaited).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, TimeSpan timeout)
    {
        var reply = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        }, timeout);
        if (reply.TryGetProperty("exceptionDetails", out var error))
        {
            throw new PageContextException($"script failed in the page: {error}");
        }

        var result = reply.GetProperty("result");
        return result.TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> (a JavaScript expression) is truthy in the page, checking it on
    /// each DOM change and animation frame inside the page, and returns its value; fails after <paramref name="timeout"/>
    /// with <paramref name="what"/> and the page's text.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero)
            {
                var text = await EvaluateAsync("document.body ? document.body.innerText : '(no body)'", TimeSpan.FromSeconds(10));
                throw new Xunit.Sdk.XunitException($"{what}: not true within {timeout}: {condition}\npage text:\n{text}");
            }

            var script = $$"""
                new Promise((resolve) => {
                  const check = () => { try { const v = ({{condition}}); if (v) { resolve(v); return true; } } catch (e) { } return false; };
                  if (check()) return;
                  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
                  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
                  setTimeout(() => { observer.disconnect(); resolve(null); }, {{(int)Math.Max(1, remaining.TotalMilliseconds)}});
                })
                """;
            try
            {
                var value = await EvaluateAsync(script, remaining + TimeSpan.FromSeconds(10));
                if (value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                {
                    return value;
                }
            }
            catch (PageContextException)
            {
                // The page navigated while the check was waiting (its context is gone): check again in the new one.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The browser is going away anyway.
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A profile left in the temp folder is not a failure.
        }
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject parameters, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        try
        {
            return await reply.Task.WaitAsync(timeout);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, read.Count);
                if (!read.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                if (document.RootElement.TryGetProperty("id", out var id) && _pending.TryGetValue(id.GetInt32(), out var reply))
                {
                    if (document.RootElement.TryGetProperty("error", out var error))
                    {
                        reply.TrySetException(new PageContextException("DevTools error: " + error));
                    }
                    else
                    {
                        reply.TrySetResult(document.RootElement.GetProperty("result").Clone());
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closing.
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("the browser connection closed"));
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}

/// <summary>A DevTools call failed in the page (script error, or its execution context went away).</summary>
public sealed class PageContextException(string message) : Exception(message);
