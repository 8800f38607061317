using Akka.Actor;

namespace ActorPool.Tests.TestSupport;

/// <summary>Sent by a <see cref="StubWorker"/> when its supervisor creates it.</summary>
internal sealed record StubSpawned(IActorRef Worker, int Budget);

/// <summary>
/// Stands in for a worker in supervisor specs: announces itself to a probe and passes on everything it
/// receives there, as its sender; the spec answers for it by telling the supervisor with the stub as sender.
/// </summary>
internal sealed class StubWorker : ReceiveActor
{
    private readonly IActorRef _probe;
    private readonly int _budget;

    public StubWorker(IActorRef probe, int budget)
    {
        _probe = probe;
        _budget = budget;
        ReceiveAny(message => _probe.Tell(message, Self));
    }

    protected override void PreStart() => _probe.Tell(new StubSpawned(Self, _budget));
}
