using System.Collections.Immutable;
using Akka.Actor;

namespace ActorPool.Pool;

/// <summary>
/// The lifecycle of a pool supervisor: one immutable value, replaced as a whole on each transition, so the
/// combinations that cannot happen (latched while draining, backing off after drained) cannot be written.
/// </summary>
/// <remarks>
/// <c>Serving</c> → (a worker start fails) <c>BackingOff(latched: failures ≥ threshold)</c> → (back-off timer)
/// <c>Serving</c>, or <c>Probing</c> when latched (half-open: one worker starts) → (it starts) <c>Serving</c>
/// or (it fails) <c>BackingOff(latched)</c>. Any phase → (drain) <c>Draining</c> → (nothing in flight)
/// <c>Drained</c>.
/// </remarks>
internal abstract record SupervisorPhase
{
    private SupervisorPhase()
    {
    }

    /// <summary>True while the pool answers <c>PoolUnavailable</c> at once.</summary>
    public virtual bool Latched => false;

    /// <summary>True once shutdown has begun: no task is accepted and no worker is started.</summary>
    public virtual bool ShuttingDown => false;

    /// <summary>Normal operation: missing workers are started at once.</summary>
    public sealed record Serving : SupervisorPhase
    {
        public static Serving Instance { get; } = new();
    }

    /// <summary>A worker start failed: no worker starts until the back-off timer fires.</summary>
    public sealed record BackingOff(bool IsLatched) : SupervisorPhase
    {
        public override bool Latched => IsLatched;
    }

    /// <summary>Latched, and one probe worker may start (half-open); the first start that succeeds ends the latch.</summary>
    public sealed record Probing : SupervisorPhase
    {
        public static Probing Instance { get; } = new();

        public override bool Latched => true;
    }

    /// <summary>Shutting down: queued tasks were answered; waiting for the tasks in flight.</summary>
    public sealed record Draining(ImmutableList<IActorRef> Requesters) : SupervisorPhase
    {
        public override bool ShuttingDown => true;
    }

    /// <summary>Shut down: every task is answered and the workers are stopped.</summary>
    public sealed record Drained : SupervisorPhase
    {
        public static Drained Instance { get; } = new();

        public override bool ShuttingDown => true;
    }
}
