using System.Diagnostics;
using System.Globalization;

namespace ActorPool.Bench;

/// <summary>What a process (any process on this machine, by id) has used so far.</summary>
/// <param name="Cpu">User + system time of all its threads (Linux: /proc/&lt;pid&gt;/stat utime + stime).</param>
/// <param name="Switches">Voluntary + involuntary context switches of each live thread by thread id
/// (/proc/&lt;pid&gt;/task/*/status; /proc/&lt;pid&gt;/status alone counts only the main thread).</param>
/// <param name="RssMegabytes">Resident set (VmRSS) in MiB.</param>
internal readonly record struct ProcessReading(TimeSpan Cpu, IReadOnlyDictionary<int, long> Switches, double RssMegabytes)
{
    /// <summary>
    /// Context switches from <paramref name="earlier"/> to this reading: each thread's growth, threads born since
    /// counted from zero. A thread that ended in between is lost (the kernel keeps no per-process total), so this
    /// undercounts a process that churns threads.
    /// </summary>
    public long ContextSwitchesSince(ProcessReading earlier)
    {
        var sum = 0L;
        foreach (var (thread, count) in Switches)
        {
            sum += count - (earlier.Switches?.GetValueOrDefault(thread) ?? 0);
        }

        return sum;
    }
}

/// <summary>Reads <see cref="ProcessReading"/>s from /proc (NaN / 0 where there is no /proc).</summary>
internal static class ProcessMeter
{
    public static ProcessReading Read(int pid)
    {
        TimeSpan cpu;
        try
        {
            using var process = Process.GetProcessById(pid);
            cpu = process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            cpu = TimeSpan.Zero;
        }

        return new ProcessReading(cpu, ContextSwitches(pid), RssMegabytes(pid));
    }

    public static double RssMegabytes(int pid)
    {
        var kb = StatusField($"/proc/{pid}/status", "VmRSS:");
        return kb < 0 ? double.NaN : kb / 1024.0;
    }

    private static Dictionary<int, long> ContextSwitches(int pid)
    {
        var threads = new Dictionary<int, long>();
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return threads;
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            // A thread may end between listing and reading; it then counts as nothing.
            var status = Path.Combine(task, "status");
            var voluntary = StatusField(status, "voluntary_ctxt_switches:");
            var involuntary = StatusField(status, "nonvoluntary_ctxt_switches:");
            if (voluntary >= 0 && involuntary >= 0 && int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                threads[id] = voluntary + involuntary;
            }
        }

        return threads;
    }

    /// <summary>The first number after <paramref name="key"/> in a /proc status file, or -1.</summary>
    private static long StatusField(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var text = line.AsSpan(key.Length).Trim();
                    var end = text.IndexOf(' ');
                    return long.Parse(end < 0 ? text : text[..end], NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return -1;
    }
}
