using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorPool.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// The HTTP gateway: <c>POST /v1/scripts/transform/reverse</c> through the pool against a baseline route in
/// the same process and pipeline that answers the same JSON without the pool, interleaved A B A B, under a
/// closed-loop load driver on loopback.
/// </summary>
internal static class GatewayScenario
{
    private const string PoolPath = "/v1/scripts/" + BenchModules.Transform + "/reverse";
    private const string BaselinePath = "/bench/baseline";

    public static async Task RunAsync(BenchOptions options)
    {
        var app = GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["PORT"] = "0",
            ["HOST"] = "127.0.0.1",
            ["SCRIPTS_DIR"] = Path.GetDirectoryName(BenchModules.TransformPath),
            ["MAX_THREADS"] = options.Workers.ToString(CultureInfo.InvariantCulture),
            ["LOG_LEVEL"] = "warning",
        });

        // Bench-only route, mapped before start: same middleware, same body handling, no pool.
        app.MapPost(BaselinePath, (Delegate)BaselineAsync);
        await app.StartAsync();
        try
        {
            await MeasureAsync(GatewayApp.Address(app), options);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task MeasureAsync(Uri address, BenchOptions options)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"args\":{BenchModules.ReverseArgs}}}");
        var warmup = TimeSpan.FromSeconds(1);
        var measure = TimeSpan.FromSeconds(options.Seconds);
        using var load = new HttpLoad(address, options.InFlight);

        // Both routes must give the same answer, or the comparison means nothing.
        var expected = await load.SendOnceAsync(PoolPath, body);
        var baseline = await load.SendOnceAsync(BaselinePath, body);
        if (expected != baseline || !expected.StartsWith("{\"result\":", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the routes disagree: pool '{expected}', baseline '{baseline}'");
        }

        var runs = new (string Name, string Path)[] { ("baseline", BaselinePath), ("pool", PoolPath) };
        Console.WriteLine();
        Console.WriteLine($"## gateway — POST {PoolPath} vs {BaselinePath}, {options.InFlight} connections, pool of {options.Workers} workers, {options.Rounds} rounds x {options.Seconds}s (+1s warm-up each, +1 discarded round)");
        Console.WriteLine($"gateway at {address}; load driver in the same process (HttpClient, SocketsHttpHandler, HTTP/1.1 keep-alive, closed loop)");

        // One discarded round first: the JIT tiers Kestrel, the driver and Jint up, and the engines start.
        foreach (var run in runs)
        {
            await load.RunForAsync(run.Path, body, warmup, measure);
        }

        var samples = runs.ToDictionary(r => r.Name, _ => new List<HttpSample>());
        for (var round = 0; round < options.Rounds; round++)
        {
            // A B A B: each baseline/pool pair runs back to back so both see the same background load.
            foreach (var run in runs)
            {
                samples[run.Name].Add(await load.RunForAsync(run.Path, body, warmup, measure));
            }

            Console.WriteLine($"round {round + 1}: " + string.Join(", ", runs.Select(r => Describe(r.Name, samples[r.Name][^1]))));
        }

        Console.WriteLine();
        Console.WriteLine("| route | requests/s (median) | p50 ms | p99 ms | cores busy | rounds requests/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var run in runs)
        {
            var list = samples[run.Name];
            Console.WriteLine($"| {run.Name} `{run.Path}` | {Stats.N(Median(list, s => s.Rate))} | {Stats.N(Median(list, s => s.P50Millis), "N2")} | {Stats.N(Median(list, s => s.P99Millis), "N2")} | {Stats.N(Median(list, s => s.CoresBusy), "N2")} | {Stats.List(list.Select(s => s.Rate))} |");
        }

        var perRound = samples["pool"].Zip(samples["baseline"], (p, b) => p.Rate / b.Rate).ToList();
        var ratio = Stats.Median(perRound);
        Console.WriteLine();
        Console.WriteLine($"pool / baseline requests/s: {Stats.N(ratio, "N2")} (target ≥ 0.60: {(ratio >= 0.6 ? "met" : "**missed**")}); by round {Stats.List(perRound, "N2")}");
        Console.WriteLine($"failed requests: {samples.Values.Sum(l => l.Sum(s => s.Failures))}");
    }

    /// <summary>The baseline: reads and parses the body as the script API does, answers the same JSON.</summary>
    private static async Task<IResult> BaselineAsync(HttpContext context)
    {
        var (body, _) = await JsonBody.ReadBytesAsync(context, 1 << 20);
        using var document = JsonDocument.Parse(body);
        var text = document.RootElement.GetProperty("args")[0].GetString()!;
        var chars = text.ToCharArray();
        Array.Reverse(chars);
        return Results.Text("{\"result\":" + JsonSerializer.Serialize(new string(chars)) + "}", "application/json");
    }

    private static double Median(List<HttpSample> samples, Func<HttpSample, double> value) => Stats.Median([.. samples.Select(value)]);

    private static string Describe(string name, HttpSample s) =>
        $"{name} {Stats.N(s.Rate)}/s p50 {Stats.N(s.P50Millis, "N2")} ms p99 {Stats.N(s.P99Millis, "N2")} ms";
}
