using System.Runtime.InteropServices;

namespace ActorPool.Gateway;

/// <summary>
/// Caps glibc's malloc arenas for the gateway process, as <c>MALLOC_ARENA_MAX=2</c> would, unless the environment
/// sets <c>MALLOC_ARENA_MAX</c> itself.
/// </summary>
/// <remarks>
/// glibc gives each thread that meets a busy arena a new one (up to eight per core), and memory freed into one is
/// rarely returned to the system. The V8 isolates (each engine thread's, and each replacement's after a retirement)
/// and the runtime allocate natively from many threads, so the resident set crept up for the whole of a long warm
/// run: bench <c>yt-cipher-steady</c>, 100,000 decrypts, +16.6 % without the cap, +4.1 % with
/// <c>MALLOC_ARENA_MAX=2</c> (bench/RESULTS.md run 8). The environment variable is read when the process starts, so a
/// process started without it gets the same cap through <c>mallopt</c>, early in <c>Main</c>, before the pools start
/// their threads. Elsewhere (not Linux, or a C library without <c>mallopt</c>, such as musl's stub) this does nothing.
/// </remarks>
internal static class NativeHeap
{
    /// <summary>The arena cap: one arena per core of a small box.</summary>
    internal const int ArenaMax = 2;

    /// <summary><c>M_ARENA_MAX</c> of glibc's <c>malloc.h</c>.</summary>
    private const int MArenaMax = -8;

    /// <summary>Applies the cap; false when it was not applied (set by the environment, not Linux, or refused).</summary>
    public static bool CapArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return false;
        }

        try
        {
            return Mallopt(MArenaMax, ArenaMax) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int param, int value);
}
