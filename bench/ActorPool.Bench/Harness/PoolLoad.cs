namespace ActorPool.Bench;

/// <summary>
/// Drives a pool through the facade with <c>inFlight</c> concurrent callers, each awaiting one
/// <see cref="ScriptPool.RunAsync(string, string, string, TimeSpan?, CancellationToken)"/> per task and
/// sending the next as soon as it is answered.
/// </summary>
internal static class PoolLoad
{
    /// <summary>Runs for <paramref name="warmup"/> + <paramref name="measure"/>; measures the second window.</summary>
    public static async Task<Sample> RunForAsync(ScriptPool pool, string module, string function, string argsJson, int inFlight, TimeSpan warmup, TimeSpan measure)
    {
        var done = 0L;
        var failed = 0L;
        var stop = 0;
        async Task Lane()
        {
            await Task.Yield();
            while (Volatile.Read(ref stop) == 0)
            {
                try
                {
                    await pool.RunAsync(module, function, argsJson);
                    Interlocked.Increment(ref done);
                }
                catch (ScriptPoolException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var lanes = Enumerable.Range(0, inFlight).Select(_ => Lane()).ToArray();
        await Task.Delay(warmup);
        using var probe = new Probe();
        var before = Interlocked.Read(ref done);
        probe.Start();
        await Task.Delay(measure);
        var after = Interlocked.Read(ref done);
        var sample = probe.Stop(after - before, Interlocked.Read(ref failed));
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(lanes);
        return sample;
    }

    /// <summary>
    /// Like <see cref="RunForAsync"/>, but each caller sends <paramref name="batchSize"/> calls as one batch
    /// (<see cref="ScriptPool.RunBatchAsync"/>); the sample counts batches whose calls all succeeded.
    /// </summary>
    public static async Task<Sample> RunBatchesForAsync(ScriptPool pool, string module, string function, string argsJson, int batchSize, int inFlight, TimeSpan warmup, TimeSpan measure)
    {
        var calls = Enumerable.Repeat(new ScriptCall(module, function, argsJson), batchSize).ToArray();
        var done = 0L;
        var failed = 0L;
        var stop = 0;
        async Task Lane()
        {
            await Task.Yield();
            while (Volatile.Read(ref stop) == 0)
            {
                try
                {
                    var outcomes = await pool.RunBatchAsync(calls);
                    var failures = outcomes.Count(o => !o.Succeeded);
                    Interlocked.Add(ref failed, failures);
                    if (failures == 0)
                    {
                        Interlocked.Increment(ref done);
                    }
                }
                catch (ScriptPoolException)
                {
                    Interlocked.Add(ref failed, batchSize);
                }
            }
        }

        var lanes = Enumerable.Range(0, inFlight).Select(_ => Lane()).ToArray();
        await Task.Delay(warmup);
        using var probe = new Probe();
        var before = Interlocked.Read(ref done);
        probe.Start();
        await Task.Delay(measure);
        var after = Interlocked.Read(ref done);
        var sample = probe.Stop(after - before, Interlocked.Read(ref failed));
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(lanes);
        return sample;
    }
}
