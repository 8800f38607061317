using System.Diagnostics;
using System.Globalization;
using Jint;
using Jint.Runtime;

namespace ActorPool.Engines;

/// <summary>
/// Bounds the managed memory one engine call <em>holds</em>, not what it allocates: a long call that churns
/// short-lived garbage runs until its time limit, a call that keeps more than the limit reachable is stopped
/// with <see cref="MemoryLimitExceededException"/> (mapped to <c>LimitExceeded(memory)</c>).
/// </summary>
/// <remarks>
/// <para>
/// Why not Jint's <c>LimitMemory</c>: it counts bytes allocated on the engine thread during the call, so any
/// long CPU-bound call fails sooner or later, and it is an exact (per-statement) constraint, which switches
/// off Jint's tight-loop lanes. This constraint is amortized (<see cref="IsAmortizable"/>): Jint checks it
/// every few dozen statements, between bulk built-in iterations and after host calls, and each check costs
/// one read of the thread's allocation counter and a compare.
/// </para>
/// <para>
/// How held memory is estimated. The .NET runtime has no per-thread or per-engine live-size counter; the
/// live size of the whole managed heap is the only measurement. So:
/// <list type="number">
/// <item>A call cannot hold more than it has allocated on its engine thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, exact and cheap). Until that passes the limit nothing
/// else is looked at, which covers almost every call.</item>
/// <item>The first time it passes, one full blocking collection fixes the call's baseline: the heap at call
/// start counts garbage (left by earlier calls, anywhere in the process) that a collection during the call may
/// free, which would hide as much of what the call holds. The live heap right after that collection is the
/// live heap at call start plus at most what the call holds then (no more than the limit, since the call has
/// allocated about that much), so the smaller of the two is a baseline that never hides more than one limit's
/// worth: a call that keeps growing is stopped by the time it holds twice the limit at the latest, and usually
/// at the limit.</item>
/// <item>After that, whenever the thread has allocated another eighth of the limit (or 100 ms passed and it
/// allocated anything), a probe compares <see cref="GC.GetTotalMemory(bool)"/> (no collection) with its value
/// at the start of the call. That number includes garbage not collected yet and what other threads allocated,
/// so it can only say "perhaps over".</item>
/// <item>Only then a forced collection of the young generations (cheap; a churning call's garbage is there)
/// and, if the heap is still over, a full blocking collection confirms: held = live heap now − baseline, capped at what this thread allocated. Over the limit ⇒ the call fails. Under it ⇒ no new check until
/// the thread has allocated at least the remaining room again (the call cannot have grown past the limit
/// before), so a churning call forces at most one young collection per "limit" bytes it allocates (none while
/// the runtime's own collections keep the heap under the baseline plus the limit), and a full one only when
/// garbage promoted to the old generation fills the room.</item>
/// </list>
/// </para>
/// <para>
/// What this approximation gets wrong, with several engines in one process: (a) memory that other engines or
/// the host came to hold during this call counts against this call (capped by what this call allocated), so
/// two concurrent calls that each hold just under the limit can see each other's memory and one of them fail;
/// (b) memory released by others during the call hides up to that much of this call's holdings, and the
/// baseline (above) may hide up to one limit's worth, so a call can hold more than the limit until it grows past
/// that slack; (c) unmanaged memory is not seen. (d) a single statement can
/// allocate much more than the limit before the next check (e.g. a huge <c>repeat</c>); .NET's own size limits
/// still fail such an allocation with an exception, not a crash. Each confirmation is a process-wide blocking
/// collection, which pauses other engines briefly; a call that holds close to the limit while it churns pays one
/// per (limit − held, at least limit/8) bytes it allocates.
/// </para>
/// <para>An instance belongs to one engine and is used by that engine's thread only.</para>
/// </remarks>
internal sealed class HeldMemoryConstraint : Constraint
{
    private static readonly long s_probeInterval = Stopwatch.Frequency / 10;

    private readonly long _limit;
    private readonly long _probeStep;

    // Per call, set by Reset.
    private long _allocatedAtStart;
    private long _heapAtStart;
    private long _allocatedAtProbe;
    private long _probedAt;
    private long _allocatedAtConfirmation;
    private long _roomAtConfirmation;
    private bool _baselineConfirmed;

    /// <summary>Creates the constraint for <paramref name="limitBytes"/> held bytes per call.</summary>
    public HeldMemoryConstraint(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        _limit = limitBytes;
        _probeStep = Math.Max(limitBytes / 8, 64 * 1024);
        Reset();
    }

    /// <summary>How many young-generation collections this constraint has forced to check an estimate (for tests and benches).</summary>
    public int YoungCollections { get; private set; }

    /// <summary>How many full collections this constraint has forced to confirm an estimate (for tests and benches).</summary>
    public int FullCollections { get; private set; }

    /// <summary>What the last forced collection found the call to hold, in bytes (for tests and diagnostics).</summary>
    public long LastConfirmedHeld { get; private set; }

    /// <summary>
    /// Amortized: the check reads counters that the script cannot reset, so checking every few statements only
    /// delays detection by what those statements allocate (see the type remarks for the single-statement case).
    /// </summary>
    public override bool IsAmortizable => true;

    /// <inheritdoc />
    public override void Check()
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        if (allocated - _allocatedAtStart <= _limit)
        {
            return;
        }

        if (!_baselineConfirmed)
        {
            ConfirmBaseline(allocated);
            return;
        }

        var sinceProbe = allocated - _allocatedAtProbe;
        if (sinceProbe < _probeStep)
        {
            if (sinceProbe == 0 || Stopwatch.GetTimestamp() - _probedAt < s_probeInterval)
            {
                return;
            }
        }

        Probe(allocated);
    }

    /// <inheritdoc />
    public override void Reset()
    {
        _allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        _heapAtStart = GC.GetTotalMemory(forceFullCollection: false);
        _allocatedAtProbe = _allocatedAtStart;
        _probedAt = Stopwatch.GetTimestamp();
        _allocatedAtConfirmation = _allocatedAtStart;
        _roomAtConfirmation = _limit;
        _baselineConfirmed = false;
    }

    private void ConfirmBaseline(long allocated)
    {
        _baselineConfirmed = true;
        // Live now = live at call start + what the call holds now (at most what it allocated, about the limit).
        Confirmed(allocated, HeldAfterFullCollection(allocated));
    }

    private void Confirmed(long allocated, long held)
    {
        LastConfirmedHeld = held;
        if (held > _limit)
        {
            throw new MemoryLimitExceededException(string.Create(CultureInfo.InvariantCulture, $"the script holds about {held} bytes; the limit is {_limit}"));
        }

        _allocatedAtProbe = allocated;
        _allocatedAtConfirmation = allocated;
        _roomAtConfirmation = Math.Max(_limit - Math.Max(held, 0), _probeStep);
        _probedAt = Stopwatch.GetTimestamp();
    }

    private void Probe(long allocated)
    {
        _allocatedAtProbe = allocated;
        _probedAt = Stopwatch.GetTimestamp();
        if (GC.GetTotalMemory(forceFullCollection: false) - _heapAtStart <= _limit)
        {
            return;
        }

        if (allocated - _allocatedAtConfirmation < _roomAtConfirmation)
        {
            // Held memory can only grow by what this thread allocates: it cannot have passed the limit yet.
            return;
        }

        // First the young generations, which is cheap and is where a churning call's garbage is: if that
        // brings the heap back under the limit, no full collection is needed.
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        YoungCollections++;
        // The baseline is a live size (see ConfirmBaseline); garbage this call promoted to the old generations
        // still counts here, which the full collection below sorts out.
        var held = Math.Min(GC.GetTotalMemory(forceFullCollection: false) - _heapAtStart, allocated - _allocatedAtStart);
        if (held > _limit)
        {
            held = HeldAfterFullCollection(allocated);
        }

        Confirmed(allocated, held);
    }

    /// <summary>
    /// A full blocking collection, then held = live heap − baseline, capped at what the call allocated. The
    /// baseline never exceeds the live heap (garbage at call start, or memory others released since, is gone).
    /// </summary>
    private long HeldAfterFullCollection(long allocated)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        FullCollections++;
        var live = GC.GetTotalMemory(forceFullCollection: false);
        _heapAtStart = Math.Min(_heapAtStart, live);
        return Math.Min(live - _heapAtStart, allocated - _allocatedAtStart);
    }
}
