using Akka.Actor;

namespace ActorPool.Pool;

/// <summary>The supervisor's record of one worker: what does not change, its budget count, and its state. Supervisor-only.</summary>
internal sealed class WorkerSlot(IActorRef worker, int budget, DateTimeOffset spawnedAt, SlotState state)
{
    public IActorRef Worker { get; } = worker;

    /// <summary>Tasks this worker may run in its life (with jitter).</summary>
    public int Budget { get; } = budget;

    /// <summary>When it was spawned (its engine start time feeds <see cref="Succession"/>).</summary>
    public DateTimeOffset SpawnedAt { get; } = spawnedAt;

    /// <summary>
    /// Calls handed to it that ran or may still run: counted at dispatch, given back for the calls of a job that
    /// never ran (<c>PoolSupervisor.OnTaskFinished</c>, as the worker does); never exceeds <see cref="Budget"/>.
    /// </summary>
    public int Dispatched { get; set; }

    public bool HasBudget => Dispatched < Budget;

    /// <summary>What the supervisor knows of it now; changed only through <c>PoolSupervisor.SetState</c>.</summary>
    public SlotState State { get; set; } = state;

    /// <summary>Modules this worker's engine has loaded (for dispatch affinity).</summary>
    public HashSet<string> Modules { get; } = new(StringComparer.Ordinal);

    /// <summary>The module of its last call (the same string instance skips hashing on the next task of the same module).</summary>
    private string? _lastModule;

    /// <summary>Records that its engine loads <paramref name="module"/>.</summary>
    public void Loads(string module)
    {
        if (!ReferenceEquals(module, _lastModule))
        {
            Modules.Add(module);
            _lastModule = module;
        }
    }

    /// <summary>Whether its engine has <paramref name="module"/> loaded.</summary>
    public bool HasLoaded(string module) => ReferenceEquals(module, _lastModule) || Modules.Contains(module);
}

/// <summary>
/// What a supervisor knows about one worker: a closed set of states, each with the data it needs, switched with
/// <c>switch</c> expressions (docs/architecture.md, "States").
/// </summary>
/// <remarks>
/// <c>Starting(predecessor?)</c> → (ready) <c>Idle</c>, or <c>Standby(predecessor)</c> while the worker it was
/// started ahead for still serves → (that one's last task ends, or it is cut off or leaves) <c>Idle</c>.
/// <c>Idle</c> ⇄ <c>Busy(tasks)</c>. <c>Busy</c> → (cut off) <c>Recovering(since)</c> (replaced) or
/// <c>RecoveringInSeat(since)</c> (past the bound of recovering engines: no replacement yet; → <c>Recovering</c> when
/// one may start), or (suspect engine) <c>Renewing(since)</c>; each → (engine back) <c>Idle</c>, <c>Standby</c> (for a worker on its last task that
/// has no successor) or stopped when surplus. Any state →
/// <c>Retiring</c> (budget, crash, abandonment, stray reply, unresponsive).
/// </remarks>
internal abstract record SlotState
{
    private SlotState()
    {
    }

    /// <summary>Its engine is starting; <paramref name="Predecessor"/> is the worker it was started ahead to succeed, if any.</summary>
    public sealed record Starting(WorkerSlot? Predecessor) : SlotState;

    /// <summary>
    /// Ready, waiting (counted as starting) until <paramref name="Predecessor"/>'s last task ends or it stops serving:
    /// a successor started ahead, or a worker back from recovery while a worker without a successor runs its last task.
    /// </summary>
    public sealed record Standby(WorkerSlot Predecessor) : SlotState;

    /// <summary>Ready for a task.</summary>
    public sealed record Idle : SlotState
    {
        public static Idle Instance { get; } = new();
    }

    /// <summary>
    /// Running one job: <paramref name="Tasks"/> in the order its engine thread runs them (one task, or a run of a
    /// batch's calls; docs/architecture.md, "Batches").
    /// </summary>
    public sealed record Busy(IReadOnlyList<PendingTask> Tasks) : SlotState
    {
        /// <summary>Whether <paramref name="task"/> is one of the job's calls.</summary>
        public bool Runs(PendingTask task)
        {
            foreach (var t in Tasks)
            {
                if (t == task)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Its task was cut off at <paramref name="Since"/> and its engine thread may never come back; a replacement (or
    /// its successor) serves in its place, so it does not count towards the target.
    /// </summary>
    public sealed record Recovering(DateTimeOffset Since) : SlotState;

    /// <summary>
    /// Cut off at <paramref name="Since"/> like <see cref="Recovering"/>, but when the bound on recovering engines
    /// above target was reached: no replacement was started for it, so it keeps its seat (counts towards the target)
    /// until a recovering engine ends and it becomes <see cref="Recovering"/> with a replacement.
    /// </summary>
    public sealed record RecoveringInSeat(DateTimeOffset Since) : SlotState;

    /// <summary>Its engine thread is back and replaces a suspect engine (one engine start) since <paramref name="Since"/>.</summary>
    public sealed record Renewing(DateTimeOffset Since) : SlotState;

    /// <summary>Leaving: it said so, or the supervisor stopped it; its replacement has started.</summary>
    public sealed record Retiring : SlotState
    {
        public static Retiring Instance { get; } = new();
    }
}
