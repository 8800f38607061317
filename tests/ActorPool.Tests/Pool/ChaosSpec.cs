using System.Collections.Concurrent;
using System.Diagnostics;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// A seeded storm of good and bad tasks at a random pool shape, then the pool's invariants: every task is answered
/// exactly once and in time, the queue never exceeds its bound, and the stats count every task.
/// Set ACTORPOOL_CHAOS_SEED to replay a failing seed.
/// </summary>
public sealed class ChaosSpec : PoolTestKit
{
    private const int TaskCount = 2000;
    private readonly ITestOutputHelper _output;

    public ChaosSpec(ITestOutputHelper output)
        : base(RealTime, output)
    {
        _output = output;
    }

    [Fact]
    public async Task Chaos_should_keep_every_invariant_of_the_pool()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ACTORPOOL_CHAOS_SEED"), out var s) ? s : 20261128;
        var random = new Random(seed);
        var workers = random.Next(1, 5);
        var budget = random.Next(1, 21);
        var queueBound = random.Next(20, 301);
        _output.WriteLine($"chaos seed={seed} workers={workers} budget={budget} queue={queueBound}");

        var settings = Settings(workers, budget) with
        {
            BudgetJitter = 0.5,
            MaxQueueLength = queueBound,
            InFlightTimeout = TimeSpan.FromMilliseconds(150),
            GracePeriod = TimeSpan.FromMilliseconds(400),
            MaxTaskAge = TimeSpan.FromMilliseconds(1500),
            SweepInterval = TimeSpan.FromMilliseconds(25),
        };
        var violations = new ConcurrentQueue<string>();
        var hooks = new WorkerTestHooks
        {
            TaskDispatched = (id, waited, deadline) =>
            {
                if (waited >= settings.MaxTaskAge || (deadline is { } d && waited >= d))
                {
                    violations.Enqueue($"task {id} started after waiting {waited} (max-task-age {settings.MaxTaskAge}, deadline {deadline})");
                }
            },
            TaskStarted = (worker, id, count, workerBudget) =>
            {
                if (count > workerBudget)
                {
                    violations.Enqueue($"{worker} started {id} as task {count} of its budget {workerBudget}");
                }
            },
        };
        await using var pool = StartPool(settings, hooks: hooks, seed: seed);

        var answers = new ConcurrentDictionary<string, ConcurrentQueue<IScriptReply>>();
        var answerTimes = new ConcurrentDictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        // Pace the storm at half the queue bound in flight, so most tasks are queued rather than refused.
        using var room = new SemaphoreSlim(Math.Max(1, queueBound / 2));
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(answers, answerTimes, clock, room)));
        var sent = new Dictionary<string, (TimeSpan At, TimeSpan? Deadline)>();
        var maxQueueSeen = 0;

        for (var i = 0; i < TaskCount; i++)
        {
            Assert.True(await room.WaitAsync(TimeSpan.FromSeconds(30)), "no answer arrived for 30 s: the pool wedged");
            var id = $"t{i}";
            var (module, function, args) = PickTask(random);
            TimeSpan? deadline = random.NextDouble() < 0.1 ? TimeSpan.FromMilliseconds(random.Next(20, 400)) : null;
            sent[id] = (clock.Elapsed, deadline);
            pool.Supervisor.Tell(new RunScript(id, module, function, args, deadline), recorder);
            if (random.NextDouble() < 0.05)
            {
                pool.Supervisor.Tell(new CancelScript($"t{random.Next(Math.Max(0, i - 20), i + 1)}"));
            }

            if (i % 100 == 0)
            {
                var stats = await pool.GetStatsAsync();
                maxQueueSeen = Math.Max(maxQueueSeen, stats.QueueLength);
            }
        }

        // Every task gets its answer: wait for the last ones, then make sure no second answer trickles in.
        AwaitCondition(() => answers.Count == TaskCount, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), $"only {answers.Count} of {TaskCount} tasks were answered");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var duplicates = answers.Where(a => a.Value.Count != 1).Select(a => $"{a.Key} answered {a.Value.Count} times").ToList();
        Assert.True(duplicates.Count == 0, string.Join("; ", duplicates.Take(10)));
        Assert.True(violations.IsEmpty, string.Join("; ", violations.Take(10)));
        Assert.True(maxQueueSeen <= queueBound, $"queue reached {maxQueueSeen} > bound {queueBound}");

        // Answered within (deadline or max-task-age) + run limit + grace, with 2 s of slack for a loaded CI box.
        var slack = TimeSpan.FromSeconds(2);
        var late = sent
            .Select(t => (t.Key, Latency: answerTimes[t.Key] - t.Value.At, Bound: (t.Value.Deadline ?? settings.MaxTaskAge) + settings.InFlightTimeout + settings.GracePeriod + slack))
            .Where(t => t.Latency > t.Bound)
            .Select(t => $"{t.Key} answered after {t.Latency} > {t.Bound}")
            .ToList();
        Assert.True(late.Count == 0, string.Join("; ", late.Take(10)));

        var final = AwaitIdleAtTarget(pool, TimeSpan.FromSeconds(20));
        var kinds = answers.Values.Select(q => q.Single()).GroupBy(r => r is ScriptFailed f ? f.Kind.ToString() : "Succeeded").ToDictionary(g => g.Key, g => g.Count());
        _output.WriteLine("outcomes: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}")));
        _output.WriteLine($"final: {final}; failures {string.Join(", ", final.Failures)}; retirements {string.Join(", ", final.Retirements)}");
        foreach (var crash in answers.Values.Select(q => q.Single()).OfType<ScriptFailed>().Where(f => f.Kind == FailureKind.WorkerCrashed).Select(f => f.Message).Distinct(StringComparer.Ordinal))
        {
            _output.WriteLine("worker crashed: " + crash);
        }

        Assert.True(kinds.GetValueOrDefault("Succeeded") > TaskCount / 4, "too few tasks succeeded for the storm to mean anything");
        Assert.Equal(TaskCount, final.Succeeded + final.Failures.Values.Sum());
    }

    private static (string Module, string Function, string Args) PickTask(Random random) => random.Next(100) switch
    {
        < 60 => ("basic", "add", $"[{random.Next(1000)}, 1]"),
        < 70 => ("basic", "reverse", "[\"chaos\"]"),
        < 78 => ("faults", "boom", "[\"chaos\"]"),
        < 81 => ("faults", "spin", "[]"),
        < 85 => ("faults", "allocate", "[]"),
        < 90 => ("faults", "recurse", "[0]"),
        < 93 => ("faults", "bigint", "[]"),
        < 96 => ("missing", "f", "[]"),
        _ => ("basic", "count", $"[{random.Next(1000, 50_000)}]"),
    };

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(
            ConcurrentDictionary<string, ConcurrentQueue<IScriptReply>> answers,
            ConcurrentDictionary<string, TimeSpan> times,
            Stopwatch clock,
            SemaphoreSlim room)
        {
            Receive<IScriptReply>(reply =>
            {
                var queue = answers.GetOrAdd(reply.TaskId, _ => new ConcurrentQueue<IScriptReply>());
                queue.Enqueue(reply);
                if (queue.Count == 1)
                {
                    times[reply.TaskId] = clock.Elapsed;
                    room.Release();
                }
            });
        }
    }
}
