using System.Collections.Concurrent;
using System.Diagnostics;
using ActorPool.Engines;
using ActorPool.Modules;
using ActorPool.Pool;
using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using ActorPool.Workers;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorPool.Tests.Pool;

/// <summary>
/// A seeded storm of good and bad tasks at a random pool shape. Every task kind has the exact set of outcomes it
/// may end in, and every task gets exactly one answer from its own set (see <see cref="Allowed"/>):
/// <list type="bullet">
/// <item>a task is <em>admitted</em> when <c>PoolSupervisor.Accept</c> queues it (src/ActorPool/Pool/PoolSupervisor.Queue.cs);
/// the only answer for a task that was not is <c>Overloaded</c>. A paced task is always admitted (it is sent only
/// while fewer tasks than the queue holds are unanswered), and a task the supervisor dispatched was admitted;</item>
/// <item>an admitted task that never started may end only in <c>QueueExpired</c> (its age or deadline passed) or
/// <c>Cancelled</c> (its caller cancelled it);</item>
/// <item>a dispatched task ends in its kind's own outcome: a pure task (add, reverse, count) in its exact value, an
/// endless loop in <c>Timeout</c>, a catastrophic regex in <c>LimitExceeded(RegexTimeout)</c>, an allocation bomb in
/// <c>LimitExceeded(Memory)</c>, a recursion in <c>LimitExceeded(Recursion)</c>, a throwing task in
/// <c>ScriptError</c>, a missing module or function in <c>ModuleNotFound</c>; besides, <c>Timeout</c> when the task
/// carried a deadline, and <c>Cancelled</c> when its caller cancelled it. Never <c>Overloaded</c> or <c>QueueExpired</c>.</item>
/// </list>
/// Half of the seeds send more tasks at once than the queue holds (so Overloaded must occur), the other half never
/// more than it holds (so Overloaded must not). Every engine is used only by the thread that created it. The seed is
/// the theory's argument: a failing case names it. Runs in the held-memory collection (no spec class beside it):
/// its time bounds are about the pool, not about whatever else the test runner schedules on the same two cores, and
/// the held-memory estimate reads the whole process.
/// </summary>
[Collection(Engines.HeldMemorySpecs.Name)]
public sealed class ChaosSpec : PoolTestKit
{
    private const int TaskCount = 2000;

    private static readonly TimeSpan SpinDeadline = TimeSpan.FromMilliseconds(300);

    private readonly ITestOutputHelper output;

    public ChaosSpec(ITestOutputHelper output)
        : base(RealTime, output)
    {
        this.output = output;
    }

    /// <summary>What a dispatched task of one kind may end in (its own outcome), besides Timeout for a deadline and Cancelled when cancelled.</summary>
    private sealed record Expectation(string Name, Func<IScriptReply, bool> Matches);

    /// <summary>What the storm knows about one task when it checks the answer.</summary>
    private sealed record SentTask(TimeSpan At, TimeSpan? Deadline, Expectation Expected, bool Cancelled, bool Paced);

    [Theory]
    [InlineData(20261128)]
    [InlineData(7)]
    [InlineData(424242)]
    [InlineData(1_000_003)]
    [InlineData(31337)]
    public async Task Every_task_should_end_in_an_expected_outcome_exactly_once_and_the_queue_bound_should_hold(int seed)
    {
        var random = new Random(seed);
        var workers = random.Next(2, 5);
        var budget = random.Next(1, 21);
        var queueBound = random.Next(20, 201);
        var burst = seed % 2 == 1;

        // Paced: never more tasks in flight than the queue holds. Burst seeds add, at the end of every 1,000
        // tasks, a run of (queue + workers + 20) tasks sent back to back without waiting (they overflow the queue),
        // and wait for all of the run's answers before pacing on.
        var window = queueBound;
        var burstSize = burst ? queueBound + workers + 20 : 0;
        output.WriteLine($"chaos seed={seed} workers={workers} budget={budget} queue={queueBound} window={window} burst={burst}");

        var settings = Settings(workers, budget) with
        {
            BudgetJitter = 0.5,
            MaxQueueLength = queueBound,
            // Room for a loaded 2-core box: a good task or an allocation bomb must end on its own well within the
            // run limit, and a spinning engine must notice its cancellation within the grace period. Spinning
            // tasks carry their own short deadline, so they do not hold a worker for the whole run limit.
            InFlightTimeout = TimeSpan.FromSeconds(5),
            GracePeriod = TimeSpan.FromSeconds(2),
            MaxTaskAge = TimeSpan.FromSeconds(3),
            SweepInterval = TimeSpan.FromMilliseconds(25),
            // A catastrophic regex gives up after 100 ms (it cannot be interrupted otherwise), so it holds a worker briefly.
            Engine = Settings().Engine with { MemoryLimitBytes = 8L << 20, RecursionLimit = 200, RegexTimeout = TimeSpan.FromMilliseconds(100) },
        };
        var violations = new ConcurrentQueue<string>();
        void CheckWait(string what, TimeSpan waited, TimeSpan? deadline)
        {
            if (waited >= settings.MaxTaskAge || (deadline is { } d && waited >= d))
            {
                violations.Enqueue($"{what} after waiting {waited} (max-task-age {settings.MaxTaskAge}, deadline {deadline})");
            }
        }

        var dispatched = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var hooks = new DelegatingObserver
        {
            OnTaskDispatched = (id, waited, deadline) =>
            {
                dispatched[id] = true;
                CheckWait($"task {id} started", waited, deadline);
            },
            OnTaskStarted = (worker, id, count, workerBudget) =>
            {
                if (count > workerBudget)
                {
                    violations.Enqueue($"{worker} started {id} as task {count} of its budget {workerBudget}");
                }
            },
        };

        // The pool's supervisor with an engine factory that checks each engine's thread.
        // Counted, not kept: holding hundreds of retired engines (and what their last call held) would grow the
        // heap the held-memory estimate collects, until the storm measures garbage collection instead of the pool.
        var engineCount = new EngineCounters();
        var setup = new WorkerSetup(settings, new ModuleCatalog(TestModules.Source()), new Telemetry.PoolMetrics("chaos-" + seed), hooks);
        setup = setup with
        {
            EngineFactory = () =>
            {
                Interlocked.Increment(ref engineCount.Created);
                return new ThreadCheckedEngine(new JintScriptEngine(setup.Settings.Engine, setup.Catalog), violations, engineCount);
            },
        };
        var supervisor = Sys.ActorOf(PoolSupervisor.Props(settings, setup, seed), "chaos-" + seed);
        await using var pool = ScriptPool.Attach(Sys, supervisor);

        var answers = new ConcurrentDictionary<string, ConcurrentQueue<IScriptReply>>();
        var answerTimes = new ConcurrentDictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        using var room = new SemaphoreSlim(window);
        using var burstAnswers = new SemaphoreSlim(0);
        var paced = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(answers, answerTimes, clock, room, burstAnswers, paced)));
        var sent = new Dictionary<string, SentTask>();
        var maxQueueSeen = 0;

        for (var i = 0; i < TaskCount; i++)
        {
            var id = $"t{i}";
            if (i % 1000 < 1000 - burstSize)
            {
                Assert.True(await room.WaitAsync(TimeSpan.FromSeconds(30)), $"seed {seed}: no answer arrived for 30 s: the pool wedged");
                paced[id] = true;
            }

            var (module, function, args, expected) = PickTask(random);
            TimeSpan? deadline = function == "spin" ? SpinDeadline : random.NextDouble() < 0.05 ? TimeSpan.FromMilliseconds(random.Next(50, 400)) : null;
            sent[id] = new SentTask(clock.Elapsed, deadline, expected, Cancelled: false, Paced: paced.ContainsKey(id));
            supervisor.Tell(new RunScript(id, module, function, args, deadline), recorder);
            if (random.NextDouble() < 0.05)
            {
                var target = $"t{random.Next(Math.Max(0, i - 20), i + 1)}";
                sent[target] = sent[target] with { Cancelled = true };
                supervisor.Tell(new CancelScript(target));
            }

            if (burstSize > 0 && i % 1000 == 999)
            {
                for (var n = 0; n < burstSize; n++)
                {
                    Assert.True(await burstAnswers.WaitAsync(TimeSpan.FromSeconds(30)), $"seed {seed}: a burst was not answered within 30 s");
                }
            }

            if (i % 50 == 0 && paced.ContainsKey(id))
            {
                var stats = await pool.GetStatsAsync();
                maxQueueSeen = Math.Max(maxQueueSeen, stats.QueueLength);
                if (stats.QueueLength > stats.MaxQueueLength)
                {
                    violations.Enqueue($"queue length {stats.QueueLength} over its bound {stats.MaxQueueLength}");
                }
            }
        }

        // Every task gets its answer: wait for the last ones, then make sure no second answer trickles in.
        AwaitCondition(() => answers.Count == TaskCount, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), $"seed {seed}: only {answers.Count} of {TaskCount} tasks were answered");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var duplicates = answers.Where(a => a.Value.Count != 1).Select(a => $"{a.Key} answered {a.Value.Count} times").ToList();
        Assert.True(duplicates.Count == 0, $"seed {seed}: " + string.Join("; ", duplicates.Take(10)));
        Assert.True(violations.IsEmpty, $"seed {seed}: " + string.Join("; ", violations.Take(10)));
        Assert.True(maxQueueSeen <= queueBound, $"seed {seed}: queue reached {maxQueueSeen} > bound {queueBound}");

        // Each answer is in its own task's outcome set.
        var unexpected = new List<string>();
        foreach (var (id, task) in sent)
        {
            var reply = answers[id].Single();
            if (!Allowed(task, dispatched.ContainsKey(id), reply))
            {
                unexpected.Add($"{id} ({task.Expected.Name}{(task.Paced ? ", paced" : ", burst")}{(dispatched.ContainsKey(id) ? ", dispatched" : ", never dispatched")}{(task.Cancelled ? ", cancelled" : string.Empty)}{(task.Deadline is { } d ? $", deadline {d.TotalMilliseconds} ms" : string.Empty)}) => {Describe(reply)}");
            }
        }

        Assert.True(unexpected.Count == 0, $"seed {seed}: {unexpected.Count} tasks ended outside their outcome set, e.g.\n" + string.Join('\n', unexpected.Take(15)));

        // Overloaded: reachable when more tasks are in flight than the queue holds, impossible otherwise.
        var overloaded = answers.Values.Count(q => q.Single() is ScriptFailed { Kind: FailureKind.Overloaded });
        if (burst)
        {
            Assert.True(overloaded > 0, $"seed {seed}: runs of {burstSize} tasks against a queue of {queueBound} were never refused");
        }
        else
        {
            Assert.True(overloaded == 0, $"seed {seed}: {overloaded} tasks were refused though never more than the queue bound ({window}) were in flight");
        }

        // Answered within (deadline or max-task-age) + run limit + grace, with 2 s of slack for a loaded CI box.
        var slack = TimeSpan.FromSeconds(2);
        var late = sent
            .Select(t => (t.Key, Latency: answerTimes[t.Key] - t.Value.At, Bound: (t.Value.Deadline ?? settings.MaxTaskAge) + settings.InFlightTimeout + settings.GracePeriod + slack))
            .Where(t => t.Latency > t.Bound)
            .Select(t => $"{t.Key} answered after {t.Latency} > {t.Bound}")
            .ToList();
        Assert.True(late.Count == 0, $"seed {seed}: " + string.Join("; ", late.Take(10)));

        var final = AwaitIdleAtTarget(pool, TimeSpan.FromSeconds(20));
        var kinds = answers.Values.Select(q => q.Single()).GroupBy(r => r is ScriptFailed f ? f.Kind.ToString() : "Succeeded").ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("outcomes: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}")));
        output.WriteLine($"final: {final}; engines created {engineCount.Created}");

        Assert.True(kinds.GetValueOrDefault("Succeeded") > TaskCount / 4, $"seed {seed}: too few tasks succeeded for the storm to mean anything");
        Assert.True(Interlocked.Read(ref engineCount.Calls) > TaskCount / 4, $"seed {seed}: the checked engines saw only {engineCount.Calls} calls");
        Assert.Equal(TaskCount, final.Succeeded + final.Failures.Values.Sum());
    }

    /// <summary>
    /// The outcome set of one task (see the class remarks). <paramref name="dispatched"/>: the supervisor handed it to
    /// a worker (observed through IPoolObserver.TaskDispatched), so it was admitted and started.
    /// </summary>
    private static bool Allowed(SentTask task, bool dispatched, IScriptReply reply)
    {
        if (dispatched)
        {
            return task.Expected.Matches(reply)
                || (task.Deadline is not null && reply is ScriptFailed { Kind: FailureKind.Timeout })
                || (task.Cancelled && reply is ScriptFailed { Kind: FailureKind.Cancelled });
        }

        return reply switch
        {
            // Refused at the door: only a task that may have found the queue full (sent in a burst).
            ScriptFailed { Kind: FailureKind.Overloaded } => !task.Paced,
            ScriptFailed { Kind: FailureKind.QueueExpired } => true,
            ScriptFailed { Kind: FailureKind.Cancelled } f => task.Cancelled && f.TaskNeverStarted,
            _ => false,
        };
    }

    private static (string Module, string Function, string Args, Expectation Expected) PickTask(Random random)
    {
        switch (random.Next(1000))
        {
            case < 600:
                var a = random.Next(1000);
                return ("basic", "add", $"[{a}, 1]", Value("add", (a + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            case < 680:
                return ("basic", "reverse", "[\"chaos\"]", Value("reverse", "\"soahc\""));
            case < 750:
                return ("faults", "boom", "[\"chaos\"]", Failure("boom", FailureKind.ScriptError));
            case < 755:
                return ("faults", "throwString", "[]", Failure("throwString", FailureKind.ScriptError));
            case < 760:
                return ("faults", "catastrophicRegex", "[]", Limit("catastrophicRegex", LimitKind.RegexTimeout));
            case < 775:
                return ("faults", "spin", "[]", Failure("spin", FailureKind.Timeout));
            case < 815:
                return ("faults", "allocate", "[]", Limit("allocate", LimitKind.Memory));
            case < 875:
                return ("faults", "recurse", "[0]", Limit("recurse", LimitKind.Recursion));
            case < 905:
                return ("faults", "bigint", "[]", Failure("bigint", FailureKind.ScriptError));
            case < 935:
                return ("missing", "f", "[]", Failure("missing module", FailureKind.ModuleNotFound));
            case < 950:
                return ("basic", "nope", "[]", Failure("missing function", FailureKind.ModuleNotFound));
            default:
                var n = random.Next(1000, 50_000);
                return ("basic", "count", $"[{n}]", Value("count", Count(n).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        static Expectation Value(string name, string json) => new($"{name} = {json}", r => r is ScriptSucceeded s && s.ResultJson == json);

        static Expectation Failure(string name, FailureKind kind) => new($"{name} ⇒ {kind}", r => r is ScriptFailed f && f.Kind == kind);

        static Expectation Limit(string name, LimitKind limit) => new($"{name} ⇒ LimitExceeded({limit})", r => r is ScriptFailed { Kind: FailureKind.LimitExceeded } f && f.Limit == limit);

        // basic.count: the sum of i % 7 for i below n.
        static long Count(int n) => (n / 7 * 21L) + Enumerable.Range(0, n % 7).Sum();
    }

    private static string Describe(IScriptReply reply) => reply switch
    {
        ScriptSucceeded s => $"Succeeded {s.ResultJson}",
        ScriptFailed f => $"{f.Kind}{(f.Kind == FailureKind.LimitExceeded ? $"({f.Limit})" : string.Empty)}: {f.Message}",
        _ => reply.ToString() ?? reply.GetType().Name,
    };

    /// <summary>
    /// An engine that records a violation whenever it is used from a thread other than the one that created it,
    /// or from two threads at once (disposal excepted: IScriptEngine allows it from any thread).
    /// </summary>
    private sealed class EngineCounters
    {
        public int Created;
        public long Calls;
    }

    private sealed class ThreadCheckedEngine(IScriptEngine inner, ConcurrentQueue<string> violations, EngineCounters counters) : IScriptEngine
    {
        private readonly int _owner = Environment.CurrentManagedThreadId;
        private int _inUse;

        public int LoadedModuleCount => Use(() => inner.LoadedModuleCount);

        public void EnsureModule(string name) => Use(() =>
        {
            inner.EnsureModule(name);
            return 0;
        });

        public string Call(string module, string function, string argsJson, CancellationToken cancellation)
        {
            Interlocked.Increment(ref counters.Calls);
            return Use(() => inner.Call(module, function, argsJson, cancellation));
        }

        public void Dispose() => inner.Dispose();

        private T Use<T>(Func<T> action)
        {
            var thread = Environment.CurrentManagedThreadId;
            if (thread != _owner)
            {
                violations.Enqueue($"an engine created on thread {_owner} was used on thread {thread}");
            }

            if (Interlocked.Exchange(ref _inUse, 1) == 1)
            {
                violations.Enqueue($"an engine of thread {_owner} was used by two threads at once");
            }

            try
            {
                return action();
            }
            finally
            {
                Volatile.Write(ref _inUse, 0);
            }
        }
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(
            ConcurrentDictionary<string, ConcurrentQueue<IScriptReply>> answers,
            ConcurrentDictionary<string, TimeSpan> times,
            Stopwatch clock,
            SemaphoreSlim room,
            SemaphoreSlim burstAnswers,
            ConcurrentDictionary<string, bool> paced)
        {
            Receive<IScriptReply>(reply =>
            {
                var queue = answers.GetOrAdd(reply.TaskId, _ => new ConcurrentQueue<IScriptReply>());
                queue.Enqueue(reply);
                if (queue.Count == 1)
                {
                    times[reply.TaskId] = clock.Elapsed;
                    (paced.ContainsKey(reply.TaskId) ? room : burstAnswers).Release();
                }
            });
        }
    }
}
