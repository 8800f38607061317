using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace ActorPool.Bench;

/// <summary>Throughput and latency of one HTTP load window.</summary>
/// <param name="Rate">Successful requests per second in the measured window.</param>
/// <param name="P50Millis">Median latency of the requests that completed in the window.</param>
/// <param name="P99Millis">99th-percentile latency of the same requests.</param>
/// <param name="CoresBusy">Average cores the process (server and load driver together) kept busy.</param>
/// <param name="Failures">Requests answered with a status other than 200, or that threw.</param>
/// <param name="WallSeconds">Length of the measured window.</param>
internal sealed record HttpSample(double Rate, double P50Millis, double P99Millis, double CoresBusy, long Failures, double WallSeconds = double.NaN)
{
    /// <summary>Successful requests that started and ended inside the window.</summary>
    public double Requests => Rate * WallSeconds;
}

/// <summary>
/// A closed-loop HTTP load driver: <c>connections</c> lanes, each with its own keep-alive connection, each
/// sending the next POST as soon as the previous one is answered (like <c>wrk -c N</c>).
/// </summary>
internal sealed class HttpLoad : IDisposable
{
    private readonly HttpClient _client;
    private readonly int _connections;

    public HttpLoad(Uri baseAddress, int connections)
    {
        _connections = connections;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Sends one request and returns its body (to check the answer before measuring).</summary>
    public async Task<string> SendOnceAsync(string path, byte[] body)
    {
        using var response = await _client.SendAsync(Request(path, body));
        var text = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK ? text : $"HTTP {(int)response.StatusCode}: {text}";
    }

    /// <summary>Runs for <paramref name="warmup"/> + <paramref name="measure"/>; measures the second window.</summary>
    public Task<HttpSample> RunForAsync(string path, byte[] body, TimeSpan warmup, TimeSpan measure) =>
        RunForAsync(path, () => body, null, warmup, measure);

    /// <summary>
    /// Runs for <paramref name="warmup"/> + <paramref name="measure"/> with a fresh body per request from
    /// <paramref name="nextBody"/> (thread-safe); with <paramref name="check"/>, a 200 whose body fails it counts as a failure.
    /// </summary>
    /// <param name="atWindowStart">Awaited right before the measured window opens (e.g. to read a server's counters).</param>
    /// <param name="atWindowEnd">Awaited right after it closes, while the load still runs.</param>
    public async Task<HttpSample> RunForAsync(string path, Func<byte[]> nextBody, Func<string, bool>? check, TimeSpan warmup, TimeSpan measure, Func<Task>? atWindowStart = null, Func<Task>? atWindowEnd = null)
    {
        var windowStart = 0L;
        var windowEnd = long.MaxValue;
        var stop = 0;
        var failed = 0L;
        var latencies = new List<double>[_connections];

        async Task Lane(int lane)
        {
            await Task.Yield();
            var mine = latencies[lane] = new List<double>(1 << 14);
            while (Volatile.Read(ref stop) == 0)
            {
                var start = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var response = await _client.SendAsync(Request(path, nextBody()), HttpCompletionOption.ResponseContentRead);
                    ok = response.StatusCode == HttpStatusCode.OK && (check is null || check(await response.Content.ReadAsStringAsync()));
                }
                catch (HttpRequestException)
                {
                }

                var end = Stopwatch.GetTimestamp();

                // Only requests that both started and ended inside the window count, so the window's edges
                // neither add warm-up latencies nor cut the slow tail.
                if (start >= Volatile.Read(ref windowStart) && end <= Volatile.Read(ref windowEnd) && Volatile.Read(ref windowStart) != 0)
                {
                    if (ok)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            }
        }

        var lanes = Enumerable.Range(0, _connections).Select(Lane).ToArray();
        await Task.Delay(warmup);
        if (atWindowStart is not null)
        {
            await atWindowStart();
        }

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        Volatile.Write(ref windowStart, Stopwatch.GetTimestamp());
        await Task.Delay(measure);
        Volatile.Write(ref windowEnd, Stopwatch.GetTimestamp());
        if (atWindowEnd is not null)
        {
            await atWindowEnd();
        }

        var wall = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(lanes);

        var all = latencies.SelectMany(l => l).ToArray();
        return new HttpSample(all.Length / wall, Stats.Percentile(all, 0.50), Stats.Percentile(all, 0.99), cpu / wall, Interlocked.Read(ref failed), wall);
    }

    /// <summary>
    /// Sends exactly <paramref name="count"/> requests over the connections (closed loop) and returns the seconds
    /// it took and how many failed (not 200, or a 200 whose body fails <paramref name="check"/>).
    /// </summary>
    public async Task<(double Seconds, long Failures)> RunCountAsync(string path, Func<byte[]> nextBody, Func<string, bool>? check, int count)
    {
        var left = count;
        var failed = 0L;

        async Task Lane()
        {
            await Task.Yield();
            while (Interlocked.Decrement(ref left) >= 0)
            {
                var ok = false;
                try
                {
                    using var response = await _client.SendAsync(Request(path, nextBody()), HttpCompletionOption.ResponseContentRead);
                    ok = response.StatusCode == HttpStatusCode.OK && (check is null || check(await response.Content.ReadAsStringAsync()));
                }
                catch (HttpRequestException)
                {
                }

                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, _connections).Select(_ => Lane()));
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, Interlocked.Read(ref failed));
    }

    public void Dispose() => _client.Dispose();

    private static HttpRequestMessage Request(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content, Version = HttpVersion.Version11 };
    }
}
