using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorPool.Configuration;
using ActorPool.Modules;
using ActorPool.YouTube.Solvers;

namespace ActorPool.Bench.Scenarios;

/// <summary>
/// Scenario "youtube": the yt-cipher endpoints as a user runs them. The gateway is the real binary in its own
/// process (its own runtime configuration, server GC, as <c>dotnet ActorPool.Gateway.dll</c> or the published
/// app runs it), a loopback HTTP server plays YouTube, and the closed-loop driver runs in this process.
/// </summary>
/// <remarks>
/// <para>Warm: every fixture player from 2021 on is prepared once, then each round measures the trivial generic
/// call (<c>POST /v1/scripts/transform/reverse</c>) and <c>POST /decrypt_signature</c> for every player, each
/// request with a fresh random 19-character <c>n</c> (no memo can answer it) and a fixture signature whose answer
/// is checked on every response. Ratios are medians of per-round ratios (decrypt / trivial of the same round).</para>
/// <para>Cold: the newest player's first request on a fresh gateway process with an empty disk cache (download,
/// extraction, module load, one task), three fresh processes.</para>
/// <para>Peer: the newest solver module's <c>n</c> as pool tasks/s vs the Node.js piscina peer on the same file. This
/// pool runs in the benchmark process, whose runtime configuration differs from the gateway's (workstation vs server
/// GC), which is why the warm numbers no longer come from a gateway hosted in this process.</para>
/// </remarks>
internal static class YouTubeScenario
{
    // Signature timestamps count days since 1970-01-01; 18628 is 2021-01-01.
    private const int Since2021 = 18628;
    private const string NAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string TrivialPath = "/v1/scripts/" + BenchModules.Transform + "/reverse";

    public static async Task RunAsync(BenchOptions options)
    {
        var fixtures = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "fixtures", "youtube"));
        var vectors = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixtures, "vectors.json"))).RootElement;
        var players = vectors.EnumerateArray()
            .Where(v => v.GetProperty("sts").GetInt32() >= Since2021 && v.GetProperty("n").GetArrayLength() > 0 && v.GetProperty("sig").GetArrayLength() > 0)
            .OrderByDescending(v => v.GetProperty("sts").GetInt32())
            .Select(v => new Player(
                v.GetProperty("player_id").GetString()!,
                v.GetProperty("sts").GetInt32(),
                v.GetProperty("player_url").GetString()!,
                v.GetProperty("sig")[0].GetProperty("input").GetString()!,
                v.GetProperty("sig")[0].GetProperty("output").GetString()!,
                Path.Combine(fixtures, v.GetProperty("file").GetString()!)))
            .ToList();
        await using var youtube = await LoopbackYouTube.StartAsync(fixtures, vectors);
        var newest = players[0];

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## youtube — gateway process, {options.Workers} workers, {options.InFlight} connections, {players.Count} players (2021+), {options.Rounds} rounds of {options.Seconds}s after 1s warm-up, random n per request"));
        Console.WriteLine();

        var colds = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            colds.Add(await ColdAsync(youtube.BaseUrl, options, newest));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cold first /decrypt_signature, {newest.Id}, fresh process and empty disk cache: median {Stats.Median(colds):N0} ms ({Stats.List(colds)})."));
        Console.WriteLine();

        await WarmAsync(youtube.BaseUrl, options, players);

        var module = SolverExtractor.Extract(await File.ReadAllTextAsync(newest.File)).ModuleSource;
        var pool = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["v8"] = [], ["jint"] = [] };
        var peer = new List<double>();
        for (var round = 0; round < options.Rounds; round++)
        {
            // Round by round: V8 pool, Jint pool, piscina peer, each on the same module file and arguments.
            foreach (var engine in SolverEngines)
            {
                pool[engine].Add(await PoolRateAsync(module, RandomN(), options, engine));
            }

            peer.Add(await PeerRateAsync(module, RandomN(), options));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"n of {newest.Id}'s solver module as pool tasks in this process (GC server={System.Runtime.GCSettings.IsServerGC}), {options.Workers} workers, {options.InFlight} in flight: V8 {Stats.List(pool["v8"])} tasks/s, Jint {Stats.List(pool["jint"])} tasks/s, piscina peer {Stats.List(peer)} tasks/s by round; V8 / peer {Stats.PairedRatio(pool["v8"], peer):N2}×, Jint / peer {Stats.PairedRatio(pool["jint"], peer):N2}× (medians of per-round ratios)."));
    }

    /// <summary>Solver engines compared in one run: the default (V8) first, then Jint.</summary>
    private static readonly string[] SolverEngines = ["v8", "jint"];

    private static async Task WarmAsync(Uri youtube, BenchOptions options, List<Player> players)
    {
        var caches = SolverEngines.Select(_ => TempDirectory()).ToList();
        var gateways = new List<GatewayChild>();
        var loads = new List<HttpLoad>();
        try
        {
            // Both gateways run side by side; only one is loaded at a time, so each round pairs them fairly.
            for (var e = 0; e < SolverEngines.Length; e++)
            {
                gateways.Add(await GatewayChild.StartAsync(youtube, caches[e], options, SolverEngines[e]));
                loads.Add(new HttpLoad(gateways[e].Address, options.InFlight));
            }

            var trivialBody = Encoding.UTF8.GetBytes($"{{\"args\":{BenchModules.ReverseArgs}}}");
            for (var e = 0; e < SolverEngines.Length; e++)
            {
                var trivialAnswer = await loads[e].SendOnceAsync(TrivialPath, trivialBody);
                if (!trivialAnswer.StartsWith("{\"result\":", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("the trivial call failed: " + trivialAnswer);
                }

                // Prepare every player (download, extraction, map of the signature length) before measuring.
                foreach (var player in players)
                {
                    var answer = await loads[e].SendOnceAsync("/decrypt_signature", player.Body(RandomN()));
                    if (!player.Check(answer))
                    {
                        throw new InvalidOperationException($"player {player.Id} answered wrong on {SolverEngines[e]}: {answer}");
                    }
                }

                Console.WriteLine($"gateway with SOLVER_ENGINE={SolverEngines[e]}: pools {await gateways[e].PoolEnginesAsync()}");
            }

            var warmup = TimeSpan.FromSeconds(1);
            var measure = TimeSpan.FromSeconds(options.Seconds);
            var trivial = SolverEngines.Select(_ => new List<HttpSample>()).ToList();
            var decrypts = SolverEngines.Select(_ => players.ToDictionary(p => p.Id, _ => new List<HttpSample>(), StringComparer.Ordinal)).ToList();
            for (var round = 0; round < options.Rounds; round++)
            {
                for (var e = 0; e < SolverEngines.Length; e++)
                {
                    trivial[e].Add(await loads[e].RunForAsync(TrivialPath, () => trivialBody, null, warmup, measure));
                    foreach (var player in players)
                    {
                        decrypts[e][player.Id].Add(await loads[e].RunForAsync("/decrypt_signature", () => player.Body(RandomN()), player.Check, warmup, measure));
                    }
                }

                var summary = SolverEngines.Select((engine, e) => string.Create(CultureInfo.InvariantCulture,
                    $"{engine}: trivial {trivial[e][^1].Rate:N0}/s, newest decrypt {decrypts[e][players[0].Id][^1].Rate:N0}/s"));
                Console.WriteLine($"round {round + 1}: " + string.Join("; ", summary));
            }

            for (var e = 0; e < SolverEngines.Length; e++)
            {
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"SOLVER_ENGINE={SolverEngines[e]} — trivial call: {Stats.Median([.. trivial[e].Select(s => s.Rate)]):N0} req/s (rounds {Stats.List([.. trivial[e].Select(s => s.Rate)])}), p50 {Stats.Median([.. trivial[e].Select(s => s.P50Millis)]):N2} ms, p99 {Stats.Median([.. trivial[e].Select(s => s.P99Millis)]):N2} ms."));
                Console.WriteLine();
                Console.WriteLine("| player | sts | decrypt req/s | p50 ms | p99 ms | decrypt / trivial (median of per-round ratios) | per-round ratios | failed |");
                Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
                foreach (var player in players)
                {
                    var samples = decrypts[e][player.Id];
                    var ratios = samples.Select((s, i) => s.Rate / trivial[e][i].Rate).ToList();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {player.Id} | {player.Sts} | {Stats.Median([.. samples.Select(s => s.Rate)]):N0} | {Stats.Median([.. samples.Select(s => s.P50Millis)]):N2} | {Stats.Median([.. samples.Select(s => s.P99Millis)]):N2} | {Stats.Median(ratios):N2} | {Stats.List(ratios, "N2")} | {samples.Sum(s => s.Failures)} |"));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| player | V8 / Jint decrypt req/s (median of per-round ratios) |");
            Console.WriteLine("| --- | ---: |");
            foreach (var player in players)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {player.Id} | {Stats.PairedRatio([.. decrypts[0][player.Id].Select(s => s.Rate)], [.. decrypts[1][player.Id].Select(s => s.Rate)]):N2} |"));
            }

            await MemoryAsync(gateways[0], loads[0], players[0]);
        }
        finally
        {
            foreach (var load in loads)
            {
                load.Dispose();
            }

            foreach (var gateway in gateways)
            {
                gateway.Dispose();
            }

            foreach (var cache in caches)
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    /// <summary>RSS of the V8 gateway while it answers 100,000 decrypts of the newest player: flat after warm-up?</summary>
    private static async Task MemoryAsync(GatewayChild gateway, HttpLoad load, Player player)
    {
        const int Target = 100_000;
        var rss = new List<double> { gateway.RssMegabytes() };
        var done = 0.0;
        var window = TimeSpan.FromSeconds(4);
        while (done < Target)
        {
            var sample = await load.RunForAsync("/decrypt_signature", () => player.Body(RandomN()), player.Check, TimeSpan.Zero, window);
            done += sample.Rate * window.TotalSeconds;
            rss.Add(gateway.RssMegabytes());
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RSS of the V8 gateway (MiB) before and after each 4 s window of random-n decrypts of {player.Id}, {done:N0} decrypts in all: {Stats.List(rss, "N0")}"));
    }

    private static async Task<double> ColdAsync(Uri youtube, BenchOptions options, Player player)
    {
        var cache = TempDirectory();
        try
        {
            using var gateway = await GatewayChild.StartAsync(youtube, cache, options, SolverEngines[0]);
            using var load = new HttpLoad(gateway.Address, 1);
            var started = Stopwatch.GetTimestamp();
            var answer = await load.SendOnceAsync("/decrypt_signature", player.Body(RandomN()));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return player.Check(answer) ? elapsed : throw new InvalidOperationException($"cold request for {player.Id} answered wrong: {answer}");
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static string RandomN() => string.Create(19, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = NAlphabet[Random.Shared.Next(NAlphabet.Length)];
        }
    });

    private static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "actorpool-bench-yt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The solver module's n function as pool tasks/s on one engine kind.</summary>
    private static async Task<double> PoolRateAsync(string module, string n, BenchOptions options, string engine)
    {
        var args = JsonSerializer.Serialize(new[] { n });
        var settings = PoolSettings.Default with { Workers = options.Workers, EngineKind = engine };
        var modules = new InMemoryModuleSource().Set("solver", module);
        await using var host = PoolHost.Start(modules, settings);
        return (await PoolLoad.RunForAsync(host.Pool, "solver", "n", args, options.InFlight, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.Seconds))).Rate;
    }

    /// <summary>The solver module's n function under the piscina peer (NaN when the peer cannot run).</summary>
    private static async Task<double> PeerRateAsync(string module, string n, BenchOptions options)
    {
        var args = JsonSerializer.Serialize(new[] { n });
        var peer = Path.GetFullPath(Path.Combine(BenchModules.RepoRoot, "..", "shared", "bench", "node-peer", "run.sh"));
        if (!File.Exists(peer))
        {
            return double.NaN;
        }

        var file = Path.Combine(Path.GetTempPath(), "actorpool-bench-solver-" + Guid.NewGuid().ToString("N") + ".mjs");
        await File.WriteAllTextAsync(file, module);
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = BenchModules.RepoRoot };
            foreach (var a in new[] { peer, file, "n", args, options.Workers.ToString(CultureInfo.InvariantCulture), options.InFlight.ToString(CultureInfo.InvariantCulture), options.Seconds.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var stdout = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"(node peer failed, exit {process.ExitCode}: {stderr.Trim()})");
                return double.NaN;
            }

            using var json = JsonDocument.Parse(stdout.Trim());
            return json.RootElement.GetProperty("tasks_per_s").GetDouble();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A fixture player: a request body with a given n, and the check of an answer.</summary>
    private sealed record Player(string Id, int Sts, string Url, string Sig, string SigOutput, string File)
    {
        public byte[] Body(string n) => JsonSerializer.SerializeToUtf8Bytes(new { player_url = Url, encrypted_signature = Sig, n_param = n });

        // The signature answer is known; the n answer of a random n is not, but it must be a non-empty string.
        public bool Check(string answer) =>
            answer.Contains("\"decrypted_signature\":" + JsonSerializer.Serialize(SigOutput), StringComparison.Ordinal)
            && !answer.Contains("\"decrypted_n_sig\":\"\"", StringComparison.Ordinal);
    }
}
