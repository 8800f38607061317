using ActorPool.Engines.Tests.Conformance;

namespace ActorPool.Engines.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is switched off in the project file): run as
/// <c>dotnet ActorPool.Engines.Tests.dll &lt;scenario&gt; ...</c>, it plays a scenario that could end the process
/// (a native stack overflow), so a spec can run it in a child process and read its answers.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [DeepRecursionChild.Scenario, var engineKind] => await DeepRecursionChild.RunAsync(engineKind, Console.Out),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: ActorPool.Engines.Tests {DeepRecursionChild.Scenario} <engine kind>");
        return 2;
    }
}
