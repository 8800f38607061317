using System.Runtime.InteropServices;

namespace ActorPool.Bench;

/// <summary>Describes the machine the numbers come from.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return $"# machine: {Environment.ProcessorCount} cores, {cpu}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, GC server={System.Runtime.GCSettings.IsServerGC}";
    }
}
