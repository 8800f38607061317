using System.Globalization;

namespace ActorPool.Bench;

/// <summary>Command-line knobs of the benchmark program.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project bench/ActorPool.Bench -- <tiny|node|respawn|soak|gateway|remote|scale|youtube|yt-cipher|yt-cipher-steady|all|profile|hops|constraints|wire>\n" +
        "       [--seconds 5] [--rounds 3] [--inflight 32] [--workers 2] [--count 1000000] [--work-n 2000] [--batch 16] [--decrypts 100000] [--gateway <published gateway executable>] [--gateway-env NAME=VALUE ...]";

    public required string Scenario { get; init; }

    /// <summary>Measured seconds per round (after a one-second warm-up).</summary>
    public double Seconds { get; init; } = 5;

    /// <summary>Rounds of A/B interleaving; medians are taken over them.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Concurrent callers (tasks in flight) for pool runs; HTTP connections for the gateway run.</summary>
    public int InFlight { get; init; } = 32;

    /// <summary>Pool workers and raw-Jint threads.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Tasks in the soak run.</summary>
    public int Count { get; init; } = 1_000_000;

    /// <summary>Loop rounds of the heavy function.</summary>
    public int WorkN { get; init; } = 2_000;

    /// <summary>Calls per task in the batched tiny run.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Warm decrypts per server in the yt-cipher-steady run, in ten legs (after a tenth as many to warm up); at least 10.</summary>
    public int Decrypts { get; init; } = 100_000;

    /// <summary>A published gateway executable (or a gateway .dll, run with dotnet) to run in the HTTP scenarios instead of the gateway built beside this program.</summary>
    public string? Gateway { get; init; }

    /// <summary>Extra environment variables of the gateway child (e.g. <c>DOTNET_gcServer=1</c>, for an A/B); repeatable.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GatewayEnvironment { get; init; } = [];

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("tiny" or "node" or "respawn" or "soak" or "gateway" or "remote" or "scale" or "youtube" or "yt-cipher" or "yt-cipher-steady" or "profile" or "hops" or "constraints" or "wire" or "all"))
        {
            return null;
        }

        var options = new BenchOptions { Scenario = args[0] };
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--inflight" => options with { InFlight = int.Parse(value, CultureInfo.InvariantCulture) },
                "--workers" => options with { Workers = int.Parse(value, CultureInfo.InvariantCulture) },
                "--count" => options with { Count = int.Parse(value, CultureInfo.InvariantCulture) },
                "--work-n" => options with { WorkN = int.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { Batch = int.Parse(value, CultureInfo.InvariantCulture) },
                "--gateway" when File.Exists(value) => options with { Gateway = value },
                "--gateway-env" when value.IndexOf('=', StringComparison.Ordinal) > 0 => options with
                {
                    GatewayEnvironment = [.. options.GatewayEnvironment, new(value[..value.IndexOf('=', StringComparison.Ordinal)], value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..])],
                },
                "--decrypts" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 10 => options with { Decrypts = n },
                _ => null,
            };
            if (options is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 1 ? options : null;
    }
}
