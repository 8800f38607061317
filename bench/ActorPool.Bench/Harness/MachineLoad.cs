using System.Globalization;

namespace ActorPool.Bench;

/// <summary>
/// How busy the machine is apart from the benchmark. A number taken on a loaded machine is off by up to 6× on 2
/// cores, so every scenario is bracketed by a reading and flagged when the machine was not idle.
/// </summary>
internal static class MachineLoad
{
    /// <summary>A scenario is noisy when more than this many runnable tasks per core were seen around it.</summary>
    public const double NoisyPerCore = 0.5;

    /// <summary>The 1-minute load average, or NaN where /proc/loadavg does not exist.</summary>
    public static double LoadAverage()
    {
        if (!File.Exists("/proc/loadavg"))
        {
            return double.NaN;
        }

        var first = File.ReadAllText("/proc/loadavg").Split(' ', 2)[0];
        return double.Parse(first, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Cores kept busy by other processes during <paramref name="window"/> while this process sleeps: the direct
    /// measure of an idle machine (the load average lags a minute behind and includes the previous scenario).
    /// </summary>
    public static async Task<double> ForeignBusyCoresAsync(TimeSpan window)
    {
        if (ReadBusyAndTotal() is not { } start)
        {
            return double.NaN;
        }

        await Task.Delay(window);
        var end = ReadBusyAndTotal()!.Value;
        var total = end.Total - start.Total;
        return total <= 0 ? double.NaN : (double)(end.Busy - start.Busy) / total * Environment.ProcessorCount;
    }

    /// <summary>Runs <paramref name="scenario"/> between two readings and prints them, with a NOISY flag.</summary>
    public static async Task BracketAsync(string name, Func<Task> scenario)
    {
        var cores = Environment.ProcessorCount;
        var foreignBefore = await ForeignBusyCoresAsync(TimeSpan.FromSeconds(2));
        var loadBefore = LoadAverage();
        await scenario();
        var loadAfter = LoadAverage();
        var foreignAfter = await ForeignBusyCoresAsync(TimeSpan.FromSeconds(2));
        var noisy = foreignBefore > NoisyPerCore * cores || foreignAfter > NoisyPerCore * cores;
        Console.WriteLine();
        Console.WriteLine(
            $"load[{name}]: other processes kept {Stats.N(foreignBefore, "N2")} cores busy before and {Stats.N(foreignAfter, "N2")} after (of {cores}); " +
            $"1-min load average {Stats.N(loadBefore, "N2")} before, {Stats.N(loadAfter, "N2")} after (includes the benchmark itself)" +
            (noisy ? $" — NOISY (above {Stats.N(NoisyPerCore, "N1")} per core): do not quote this scenario" : " — idle"));
    }

    /// <summary>A reading of the machine's busy and total CPU ticks, for <see cref="BusyCoresSince"/>.</summary>
    public static (long Busy, long Total)? Snapshot() => ReadBusyAndTotal();

    /// <summary>Cores the whole machine kept busy since <paramref name="start"/> (NaN without /proc/stat).</summary>
    public static double BusyCoresSince((long Busy, long Total)? start)
    {
        if (start is not { } s || ReadBusyAndTotal() is not { } end || end.Total <= s.Total)
        {
            return double.NaN;
        }

        return (double)(end.Busy - s.Busy) / (end.Total - s.Total) * Environment.ProcessorCount;
    }

    private static (long Busy, long Total)? ReadBusyAndTotal()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks since boot.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = values[3] + values[4];
        var total = values.Sum();
        return (total - idle, total);
    }
}
