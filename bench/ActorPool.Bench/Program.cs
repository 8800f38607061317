using ActorPool.Bench;
using ActorPool.Bench.Scenarios;

// Parse the scenario and knobs first, so a typo fails before any minute-long run starts.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

// Print the machine once: every number below is only meaningful next to it.
Console.WriteLine(MachineInfo.Describe());

// Run the chosen scenarios in a fixed order; each prints its own Markdown table.
var scenarios = new Dictionary<string, Func<BenchOptions, Task>>(StringComparer.Ordinal)
{
    ["tiny"] = TinyScenario.RunAsync,
    ["node"] = NodeScenario.RunAsync,
    ["respawn"] = RespawnScenario.RunAsync,
    ["soak"] = SoakScenario.RunAsync,
    ["gateway"] = GatewayScenario.RunAsync,
    ["remote"] = RemoteScenario.RunAsync,
    ["scale"] = ScaleScenario.RunAsync,
    ["profile"] = ProfileScenario.RunAsync,
    ["hops"] = HopsScenario.RunAsync,
    ["youtube"] = YouTubeScenario.RunAsync,
    ["constraints"] = ConstraintsScenario.RunAsync,
    ["wire"] = WireScenario.RunAsync,
    ["yt-cipher"] = YtCipherScenario.RunAsync,
    ["yt-cipher-steady"] = YtCipherSteadyScenario.RunAsync,
};
foreach (var (name, run) in scenarios)
{
    // "all" runs every target scenario except "youtube" (run on its own); "profile", "hops" and "constraints" are
    // diagnostics; "wire" is a one-off comparison of two serializers (issue 10); "yt-cipher" and "yt-cipher-steady" need the peer (issue 15).
    if (options.Scenario == name || (options.Scenario == "all" && name is not ("profile" or "hops" or "youtube" or "constraints" or "wire" or "yt-cipher" or "yt-cipher-steady")))
    {
        // Bracket each scenario with a reading of the machine's other load, so a noisy number is flagged.
        await MachineLoad.BracketAsync(name, () => run(options));
    }
}

return 0;
