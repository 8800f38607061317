using System.Diagnostics;
using ActorPool.Configuration;
using ActorPool.Engines;
using ActorPool.Modules;

namespace ActorPool.Bench;

/// <summary>
/// The baseline: <c>threads</c> dedicated threads, each owning one engine built exactly as a pool worker
/// builds it (<see cref="JintScriptEngine"/> with the pool's limits), calling the same function with the same
/// JSON arguments in a tight loop. Each call includes what a worker's engine call includes: argument JSON
/// parse, constraint reset, invoke, result JSON serialization. It excludes everything the pool adds: actor
/// messages, queueing, thread hand-offs and completing the caller's task.
/// </summary>
internal static class RawJint
{
    /// <summary>Runs for <paramref name="warmup"/> + <paramref name="measure"/>; measures the second window.</summary>
    public static Sample Run(EngineLimits limits, ModuleCatalog catalog, string module, string function, string argsJson, int threads, TimeSpan warmup, TimeSpan measure)
    {
        const int Stride = 16; // one cache line per counter
        var counters = new long[threads * Stride];
        var stop = 0;
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim();
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var slot = t * Stride;
            workers[t] = new Thread(
                () =>
                {
                    using var engine = new JintScriptEngine(limits, catalog);
                    engine.EnsureModule(module);
                    engine.Call(module, function, argsJson, CancellationToken.None);
                    ready.Signal();
                    go.Wait();
                    while (Volatile.Read(ref stop) == 0)
                    {
                        engine.Call(module, function, argsJson, CancellationToken.None);
                        Volatile.Write(ref counters[slot], counters[slot] + 1);
                    }
                },
                limits.ThreadStackSize)
            {
                IsBackground = true,
                Name = "raw-jint-" + t,
            };
            workers[t].Start();
        }

        ready.Wait();
        go.Set();
        Thread.Sleep(warmup);
        using var probe = new Probe();
        var before = Sum(counters, threads, Stride);
        probe.Start();
        Thread.Sleep(measure);
        var after = Sum(counters, threads, Stride);
        var sample = probe.Stop(after - before, 0);
        Volatile.Write(ref stop, 1);
        foreach (var worker in workers)
        {
            worker.Join();
        }

        return sample;
    }

    /// <summary>Median milliseconds of one call on a warm engine (for describing the workload).</summary>
    public static double CallMilliseconds(EngineLimits limits, ModuleCatalog catalog, string module, string function, string argsJson, int calls)
    {
        double result = 0;
        var thread = new Thread(
            () =>
            {
                using var engine = new JintScriptEngine(limits, catalog);
                engine.EnsureModule(module);
                var times = new List<double>(calls);
                for (var i = 0; i < calls + 5; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    engine.Call(module, function, argsJson, CancellationToken.None);
                    if (i >= 5)
                    {
                        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }

                result = Stats.Median(times);
            },
            limits.ThreadStackSize);
        thread.Start();
        thread.Join();
        return result;
    }

    private static long Sum(long[] counters, int threads, int stride)
    {
        long total = 0;
        for (var t = 0; t < threads; t++)
        {
            total += Volatile.Read(ref counters[t * stride]);
        }

        return total;
    }
}
