using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario "yt-cipher": our gateway against the real yt-cipher server on its own workload, side by side in one run.
/// </summary>
/// <remarks>
/// <para>Both servers run as child processes and download the fixture players from one loopback player host (each with
/// an empty player cache): the gateway binary this program was built with (its defaults, <c>SOLVER_ENGINE=v8</c>, and
/// a second one with <c>SOLVER_ENGINE=jint</c>) and yt-cipher (Deno) from <c>../shared/bench/yt-cipher-peer/run.sh</c>
/// with <c>MAX_THREADS</c> = <c>--workers</c>. Without <c>MIRROR</c> the peer cannot be built, which is said, and ours
/// are measured alone.</para>
/// <para>Load: warm <c>POST /decrypt_signature</c> of player 4918c89a, a fixed signature whose answer is checked on every
/// response and a fresh random 19-character <c>n</c> per request (no memo can answer it), from this process's
/// closed-loop driver at 1, 32 and 128 keep-alive connections. Each round runs every connection count on each server,
/// alternating which server goes first; ratios are medians of per-round paired ratios.</para>
/// <para>Per server and window, from /proc: requests/s, p50/p99, process CPU (user + system) per request, context
/// switches per request (all threads), RSS; for ours also managed bytes allocated per request (the runtime's
/// <c>dotnet_gc_heap_total_allocated_bytes_total</c> on <c>/metrics</c>). Each window also records what other processes
/// kept busy (machine busy cores minus the servers and this driver): a window above
/// <see cref="NoisyForeignCores"/> is flagged NOISY. With <c>wrk</c> on the PATH one wrk run per server at 32
/// connections cross-checks the driver.</para>
/// </remarks>
internal static class YtCipherScenario
{
    /// <summary>A window in which other processes kept more than this many cores busy is flagged.</summary>
    public const double NoisyForeignCores = 0.2;

    internal const string PlayerId = "4918c89a";
    private const string NAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";
    private static readonly int[] ConnectionCounts = [1, 32, 128];

    public static async Task RunAsync(BenchOptions options)
    {
        var (fixtures, vectors, workload) = await LoadWorkloadAsync();

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## yt-cipher — our gateway vs the real yt-cipher, warm /decrypt_signature of {PlayerId}, random n per request, {options.Workers} workers / MAX_THREADS each, {options.Rounds} rounds of {options.Seconds}s after 1s warm-up per window, connections {string.Join(", ", ConnectionCounts)}"));
        Console.WriteLine();

        await using var youtube = await LoopbackYouTube.StartAsync(fixtures, vectors);
        var caches = new List<string>();
        var subjects = new List<Subject>();
        var children = new List<IDisposable>();
        try
        {
            foreach (var engine in new[] { "v8", "jint" })
            {
                var cache = TempDirectory(caches);
                var gateway = await GatewayChild.StartAsync(youtube.BaseUrl, cache, options, engine);
                children.Add(gateway);
                subjects.Add(new Subject("ours-" + engine, gateway.Address, gateway.ProcessId, Ours: true, Everywhere: engine == "v8"));
                Console.WriteLine($"ours-{engine}: gateway {gateway.Address} (pid {gateway.ProcessId}), pools {await gateway.PoolEnginesAsync()}");
            }

            if (YtCipherPeer.WhyNot() is { } why)
            {
                Console.WriteLine($"yt-cipher peer: not run — {why}. Measuring ours alone.");
            }
            else
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    var peer = await YtCipherPeer.StartAsync(youtube.BaseUrl, TempDirectory(caches), options.Workers);
                    children.Add(peer);
                    subjects.Add(new Subject("yt-cipher", peer.Address, peer.ProcessId, Ours: false, Everywhere: true));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"yt-cipher: {peer.Address} (pid {peer.ProcessId}, Deno), up in {Stopwatch.GetElapsedTime(started).TotalSeconds:N1} s"));
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    Console.WriteLine($"yt-cipher peer: failed to start, measuring ours alone — {ex.Message}");
                }
            }

            // First request per server: download, extraction, solver load; it must answer right.
            foreach (var subject in subjects)
            {
                using var load = new HttpLoad(subject.Address, 1);
                var started = Stopwatch.GetTimestamp();
                var answer = await load.SendOnceAsync("/decrypt_signature", workload.Body(RandomN()));
                if (!workload.Check(answer))
                {
                    throw new InvalidOperationException($"{subject.Name} answered wrong: {answer}");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{subject.Name}: first request (cold player) {Stopwatch.GetElapsedTime(started).TotalMilliseconds:N0} ms, RSS {ProcessMeter.RssMegabytes(subject.ProcessId):N0} MiB"));
            }

            Console.WriteLine();
            var results = new List<Run>();
            for (var round = 0; round < options.Rounds; round++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: 1-min load average {MachineLoad.LoadAverage():N2}"));
                foreach (var connections in ConnectionCounts)
                {
                    // Alternate which server goes first, so a drift within a round does not favour one side.
                    var order = subjects.Where(s => s.Everywhere || connections == 32).ToList();
                    if (round % 2 == 1)
                    {
                        order.Reverse();
                    }

                    foreach (var subject in order)
                    {
                        var run = await MeasureAsync(subject, subjects, connections, round, workload, options);
                        results.Add(run);
                        Console.WriteLine("  " + run.Describe());
                    }
                }
            }

            Report(results, subjects);
            await WrkCrossCheckAsync(subjects.Where(s => s.Everywhere).ToList(), workload, options);
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }

            foreach (var cache in caches)
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    private static async Task<Run> MeasureAsync(Subject subject, List<Subject> all, int connections, int round, Workload workload, BenchOptions options)
    {
        using var load = new HttpLoad(subject.Address, connections);
        using var self = Process.GetCurrentProcess();
        ProcessReading before = default, after = default;
        var othersBefore = TimeSpan.Zero;
        var othersAfter = TimeSpan.Zero;
        (long Busy, long Total)? machine = null;
        var foreign = double.NaN;
        long allocBefore = -1, allocAfter = -1;
        var sample = await load.RunForAsync(
            "/decrypt_signature",
            () => workload.Body(RandomN()),
            workload.Check,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(options.Seconds),
            atWindowStart: async () =>
            {
                allocBefore = subject.Ours ? await AllocatedBytesAsync(subject.Address) : -1;
                machine = MachineLoad.Snapshot();
                othersBefore = KnownCpu(all, subject, self);
                before = ProcessMeter.Read(subject.ProcessId);
            },
            atWindowEnd: async () =>
            {
                after = ProcessMeter.Read(subject.ProcessId);
                othersAfter = KnownCpu(all, subject, self);
                var busy = MachineLoad.BusyCoresSince(machine);
                allocAfter = subject.Ours ? await AllocatedBytesAsync(subject.Address) : -1;
                var wall = options.Seconds;
                foreign = busy - ((after.Cpu - before.Cpu) + (othersAfter - othersBefore)).TotalSeconds / wall;
            });
        var requests = Math.Max(1, sample.Requests);
        var bytes = allocBefore >= 0 && allocAfter >= 0 ? (allocAfter - allocBefore) / requests : double.NaN;
        return new Run(subject, connections, round, sample,
            (after.Cpu - before.Cpu).TotalMicroseconds / requests,
            after.ContextSwitchesSince(before) / requests,
            after.RssMegabytes, bytes, foreign);
    }

    /// <summary>The fixture folder, its vectors and the decrypt workload of <see cref="PlayerId"/>.</summary>
    internal static async Task<(string Fixtures, JsonElement Vectors, Workload Workload)> LoadWorkloadAsync()
    {
        var fixtures = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "fixtures", "youtube"));
        var vectors = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixtures, "vectors.json"))).RootElement;
        var vector = vectors.EnumerateArray().First(v => v.GetProperty("player_id").GetString() == PlayerId);
        var workload = new Workload(
            vector.GetProperty("player_url").GetString()!,
            vector.GetProperty("sig")[0].GetProperty("input").GetString()!,
            vector.GetProperty("sig")[0].GetProperty("output").GetString()!);
        return (fixtures, vectors, workload);
    }

    /// <summary>CPU of this driver and of the servers not under load (their idle share of the machine is not foreign).</summary>
    private static TimeSpan KnownCpu(List<Subject> all, Subject loaded, Process self)
    {
        self.Refresh();
        var sum = self.TotalProcessorTime;
        foreach (var other in all.Where(s => s != loaded))
        {
            sum += ProcessMeter.Read(other.ProcessId).Cpu;
        }

        return sum;
    }

    private static async Task<long> AllocatedBytesAsync(Uri server)
    {
        using var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(AllocatedMetric, StringComparison.Ordinal) && line.Length > AllocatedMetric.Length && line[AllocatedMetric.Length] is ' ' or '{')
            {
                return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    private static void Report(List<Run> results, List<Subject> subjects)
    {
        var peer = subjects.FirstOrDefault(s => !s.Ours);
        foreach (var connections in ConnectionCounts)
        {
            Console.WriteLine();
            Console.WriteLine($"### {connections} connection{(connections == 1 ? "" : "s")}");
            Console.WriteLine();
            Console.WriteLine("| server | req/s (median) | rounds | p50 ms | p99 ms | CPU µs/req | context switches/req | RSS MiB (last) | bytes allocated/req | noisy windows |");
            Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var subject in subjects)
            {
                var runs = results.Where(r => r.Subject == subject && r.Connections == connections).OrderBy(r => r.Round).ToList();
                if (runs.Count == 0)
                {
                    continue;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {subject.Name} | {Stats.Median([.. runs.Select(r => r.Sample.Rate)]):N0} | {Stats.List(runs.Select(r => r.Sample.Rate))} | {Stats.Median([.. runs.Select(r => r.Sample.P50Millis)]):N2} | {Stats.Median([.. runs.Select(r => r.Sample.P99Millis)]):N2} | {Stats.Median([.. runs.Select(r => r.CpuMicrosPerRequest)]):N0} | {Stats.Median([.. runs.Select(r => r.SwitchesPerRequest)]):N2} | {runs[^1].RssMegabytes:N0} | {(subject.Ours ? Stats.N(Stats.Median([.. runs.Select(r => r.BytesPerRequest)])) : "—")} | {runs.Count(r => r.Noisy)} of {runs.Count} |"));
            }

            if (peer is null)
            {
                continue;
            }

            var theirs = Of(results, peer, connections);
            foreach (var ours in subjects.Where(s => s.Ours))
            {
                var mine = Of(results, ours, connections);
                if (mine.Count == 0)
                {
                    continue;
                }

                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{ours.Name} / yt-cipher at {connections} (medians of per-round ratios): req/s {Stats.PairedRatio([.. mine.Select(r => r.Sample.Rate)], [.. theirs.Select(r => r.Sample.Rate)]):N2}×, p50 {Stats.PairedRatio([.. mine.Select(r => r.Sample.P50Millis)], [.. theirs.Select(r => r.Sample.P50Millis)]):N2}×, p99 {Stats.PairedRatio([.. mine.Select(r => r.Sample.P99Millis)], [.. theirs.Select(r => r.Sample.P99Millis)]):N2}×, CPU per request {Stats.PairedRatio([.. mine.Select(r => r.CpuMicrosPerRequest)], [.. theirs.Select(r => r.CpuMicrosPerRequest)]):N2}×, context switches per request {Stats.PairedRatio([.. mine.Select(r => r.SwitchesPerRequest)], [.. theirs.Select(r => r.SwitchesPerRequest)]):N2}×"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Targets (issue 15): at 32 connections ours-v8 ≥ 1.5× yt-cipher's req/s with p99 ≤ yt-cipher's; at 1 connection p50 ≤ yt-cipher's; CPU per warm decrypt ≤ 120 µs. A window is NOISY when other processes kept more than {Stats.N(NoisyForeignCores, "N1")} cores busy during it.");
    }

    private static List<Run> Of(List<Run> results, Subject subject, int connections) =>
        [.. results.Where(r => r.Subject == subject && r.Connections == connections).OrderBy(r => r.Round)];

    /// <summary>One wrk run per server at 32 connections (same body shape, random n in Lua), as a check on the driver.</summary>
    private static async Task WrkCrossCheckAsync(List<Subject> subjects, Workload workload, BenchOptions options)
    {
        var wrk = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "wrk")).FirstOrDefault(File.Exists);
        Console.WriteLine();
        if (wrk is null)
        {
            Console.WriteLine("wrk cross-check: wrk is not on the PATH (Debian package `wrk`); skipped.");
            return;
        }

        var script = Path.Combine(Path.GetTempPath(), "actorpool-bench-decrypt-" + Guid.NewGuid().ToString("N") + ".lua");
        await File.WriteAllTextAsync(script, workload.WrkScript(NAlphabet));
        try
        {
            Console.WriteLine($"wrk cross-check (-t2 -c32 -d{Stats.N(options.Seconds)}s, random n in Lua, after a 1 s wrk warm-up):");
            Console.WriteLine();
            Console.WriteLine("| server | req/s | p50 ms | p99 ms | CPU µs/req | context switches/req | non-2xx |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var subject in subjects)
            {
                await RunWrkAsync(wrk, script, subject.Address, 1);
                var before = ProcessMeter.Read(subject.ProcessId);
                var output = await RunWrkAsync(wrk, script, subject.Address, options.Seconds);
                var after = ProcessMeter.Read(subject.ProcessId);
                var rate = Number(output, @"Requests/sec:\s+([\d.]+)");
                var requests = Number(output, @"(\d+) requests in");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {subject.Name} | {rate:N0} | {Millis(output, "50"):N2} | {Millis(output, "99"):N2} | {(after.Cpu - before.Cpu).TotalMicroseconds / requests:N0} | {after.ContextSwitchesSince(before) / requests:N2} | {(double.IsNaN(Number(output, @"Non-2xx or 3xx responses:\s+(\d+)")) ? 0 : Number(output, @"Non-2xx or 3xx responses:\s+(\d+)")):N0} |"));
            }
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<string> RunWrkAsync(string wrk, string script, Uri server, double seconds)
    {
        var start = new ProcessStartInfo(wrk, ["-t2", "-c32", string.Create(CultureInfo.InvariantCulture, $"-d{Math.Max(1, (int)Math.Round(seconds))}s"), "--latency", "-s", script, server.ToString().TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static double Number(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    private static double Millis(string text, string percentile)
    {
        var match = Regex.Match(text, @"^\s+" + percentile + @"%\s+([\d.]+)(us|ms|s)\b", RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return double.NaN;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    internal static string RandomN() => string.Create(19, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = NAlphabet[Random.Shared.Next(NAlphabet.Length)];
        }
    });

    internal static string TempDirectory(List<string> made)
    {
        var path = Path.Combine(Path.GetTempPath(), "actorpool-bench-ytc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        made.Add(path);
        return path;
    }

    /// <summary>A server under test; <paramref name="Everywhere"/> false means it runs only at 32 connections.</summary>
    private sealed record Subject(string Name, Uri Address, int ProcessId, bool Ours, bool Everywhere);

    /// <summary>One measured window of one server at one connection count.</summary>
    private sealed record Run(Subject Subject, int Connections, int Round, HttpSample Sample, double CpuMicrosPerRequest, double SwitchesPerRequest, double RssMegabytes, double BytesPerRequest, double ForeignCores)
    {
        public bool Noisy => !(ForeignCores <= NoisyForeignCores);

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Subject.Name,-10} {Connections,3} conns: {Sample.Rate,7:N0} req/s, p50 {Sample.P50Millis:N2} ms, p99 {Sample.P99Millis:N2} ms, {CpuMicrosPerRequest:N0} µs CPU/req, {SwitchesPerRequest:N2} cs/req, RSS {RssMegabytes:N0} MiB{(double.IsNaN(BytesPerRequest) ? "" : $", {BytesPerRequest:N0} B/req")}, failed {Sample.Failures}; others kept {ForeignCores:N2} cores busy{(Noisy ? " — NOISY" : "")}");
    }

    /// <summary>The request body and the check of an answer (the signature's is known; n must be a non-empty string).</summary>
    internal sealed record Workload(string PlayerUrl, string Signature, string SignatureOutput)
    {
        private readonly string _expected = "\"decrypted_signature\":" + JsonSerializer.Serialize(SignatureOutput);

        public byte[] Body(string n) => JsonSerializer.SerializeToUtf8Bytes(new { player_url = PlayerUrl, encrypted_signature = Signature, n_param = n });

        public bool Check(string answer) =>
            answer.Contains(_expected, StringComparison.Ordinal) && !answer.Contains("\"decrypted_n_sig\":\"\"", StringComparison.Ordinal);

        public string WrkScript(string alphabet)
        {
            var prefix = "{\"player_url\":" + JsonSerializer.Serialize(PlayerUrl) + ",\"encrypted_signature\":" + JsonSerializer.Serialize(Signature) + ",\"n_param\":\"";
            var script = new StringBuilder();
            script.Append("wrk.method = \"POST\"\n");
            script.Append("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
            script.Append("local chars = \"").Append(alphabet).Append("\"\n");
            script.Append("local prefix = [[").Append(prefix).Append("]]\n");
            script.Append("init = function(args) math.randomseed(os.time() * 1000 + (tonumber(tostring({}):sub(8), 16) or 0)) end\n");
            script.Append("request = function()\n  local t = {}\n  for i = 1, 19 do local k = math.random(1, #chars); t[i] = chars:sub(k, k) end\n");
            script.Append("  return wrk.format(nil, \"/decrypt_signature\", nil, prefix .. table.concat(t) .. '\"}')\nend\n");
            return script.ToString();
        }
    }
}
