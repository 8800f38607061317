using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>The gateway process's logs: LOG_FORMAT=json lines, LOG_LEVEL filtering, Akka's events through Serilog.</summary>
public sealed class LoggingSpec
{
    [Fact]
    public async Task Json_logs_should_be_one_object_per_line_with_level_and_message_and_include_akka_events()
    {
        var lines = await RunAndStopAsync("debug");

        var events = new List<JsonElement>();
        foreach (var line in lines)
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
                events.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                Assert.Fail($"a log line is not a JSON object: '{line}'");
            }
        }

        Assert.NotEmpty(events);
        foreach (var e in events)
        {
            Assert.True(e.TryGetProperty("Level", out var level) && level.GetString() is { Length: > 0 }, "no level: " + e);
            Assert.True(e.TryGetProperty("RenderedMessage", out var message) && message.GetString() is { Length: > 0 }, "no message: " + e);
        }

        // Akka's own events (the event stream, coordinated shutdown) and the pool's actor logs come through Serilog.
        Assert.Contains(events, e => Source(e).StartsWith("Akka.", StringComparison.Ordinal));
        Assert.Contains(events, e => Source(e) == "ActorPool.Pool.PoolSupervisor" && Message(e).StartsWith("Draining:", StringComparison.Ordinal) && Level(e) == "Information");
        Assert.Contains(events, e => Level(e) == "Debug");
    }

    [Fact]
    public async Task Log_level_should_filter_out_everything_below_it_for_aspnet_and_akka_alike()
    {
        // V8 made unloadable: the solver pool warns once that it runs on Jint, so the log at warning cannot be empty.
        var lines = await RunAndStopAsync("warning", new() { ["ACTORPOOL_DISABLE_V8"] = "1" });

        var events = lines.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        var below = events.Where(e => Level(e) is "Verbose" or "Debug" or "Information").ToList();
        Assert.True(below.Count == 0, "events below warning: " + string.Join('\n', below.Take(5)));
        Assert.DoesNotContain(events, e => Message(e).StartsWith("Draining:", StringComparison.Ordinal));

        // The filter lets warnings through: an empty log (a logger that writes nothing) fails here.
        Assert.Contains(events, e => Level(e) == "Warning" && Message(e).Contains("V8 cannot be used here", StringComparison.Ordinal));
    }

    /// <summary>Starts the gateway with JSON logs at <paramref name="level"/>, makes one call, stops it with SIGTERM.</summary>
    private static async Task<IReadOnlyList<string>> RunAndStopAsync(string level, Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>(more ?? []) { ["LOG_FORMAT"] = "json", ["LOG_LEVEL"] = level };
        using var gateway = GatewayProcess.Start(environment);
        await gateway.WaitReadyAsync();
        using (var response = await gateway.Client.PostAsync("/v1/scripts/faults/add", new StringContent("""{"args": [1, 2]}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        gateway.Signal(15);
        Assert.True(gateway.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the gateway did not exit");
        gateway.Process.WaitForExit();
        Assert.Equal(0, gateway.Process.ExitCode);
        return gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string Level(JsonElement e) => e.GetProperty("Level").GetString()!;

    private static string Message(JsonElement e) => e.GetProperty("RenderedMessage").GetString()!;

    private static string Source(JsonElement e) =>
        e.TryGetProperty("Properties", out var p) && p.TryGetProperty("SourceContext", out var s) ? s.GetString() ?? string.Empty : string.Empty;
}
