using System.Text.Json.Serialization;
using ActorPool.Protocol;

namespace ActorPool.Gateway;

/// <summary>
/// The last <see cref="Capacity"/> failed calls of each pool the gateway called (time, kind, module.function,
/// message), for the dashboard. Filled by <see cref="Recording"/>, which wraps each pool's facade: the gateway sees
/// every answer it asked for, so the pool itself does nothing more.
/// </summary>
internal sealed class RecentFailures(TimeProvider time)
{
    /// <summary>Failures kept per pool.</summary>
    public const int Capacity = 50;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<FailureRow>> _byPool = new(StringComparer.Ordinal);

    /// <summary>The failures of <paramref name="pool"/>, newest first.</summary>
    public IReadOnlyList<FailureRow> Of(string pool)
    {
        lock (_gate)
        {
            return _byPool.TryGetValue(pool, out var ring) ? [.. ring.Reverse()] : [];
        }
    }

    /// <summary>Records a failed call of <paramref name="pool"/>.</summary>
    public void Add(string pool, string module, string function, ScriptPoolException failure)
    {
        var row = new FailureRow(time.GetUtcNow().ToUnixTimeMilliseconds(), Telemetry.PoolMetrics.Snake(failure.Kind), module + "." + function, failure.Message);
        lock (_gate)
        {
            if (!_byPool.TryGetValue(pool, out var ring))
            {
                _byPool[pool] = ring = new Queue<FailureRow>(Capacity);
            }

            if (ring.Count == Capacity)
            {
                ring.Dequeue();
            }

            ring.Enqueue(row);
        }
    }

    /// <summary>
    /// Wraps the <see cref="IScriptPool"/> registered under <paramref name="key"/> (null: the unkeyed one) so that its
    /// failed calls are recorded as <paramref name="pool"/>'s. Call after the pool's facade is registered.
    /// </summary>
    public static void Observe(IServiceCollection services, string? key, string pool, RecentFailures failures)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IScriptPool) || !Equals(descriptor.ServiceKey, key))
            {
                continue;
            }

            var inner = Factory(descriptor);
            services[i] = key is null
                ? new ServiceDescriptor(typeof(IScriptPool), sp => new Recording((IScriptPool)inner(sp, null), pool, failures), descriptor.Lifetime)
                : new ServiceDescriptor(typeof(IScriptPool), key, (sp, k) => new Recording((IScriptPool)inner(sp, k), pool, failures), descriptor.Lifetime);
            return;
        }

        throw new InvalidOperationException($"no IScriptPool is registered under '{key ?? "(no key)"}' to observe");
    }

    private static Func<IServiceProvider, object?, object> Factory(ServiceDescriptor descriptor)
    {
        if (descriptor.IsKeyedService)
        {
            return descriptor.KeyedImplementationInstance is { } keyedInstance ? (_, _) => keyedInstance
                : descriptor.KeyedImplementationFactory is { } keyedFactory ? keyedFactory
                : (sp, _) => ActivatorUtilities.CreateInstance(sp, descriptor.KeyedImplementationType!);
        }

        return descriptor.ImplementationInstance is { } instance ? (_, _) => instance
            : descriptor.ImplementationFactory is { } factory ? (sp, _) => factory(sp)
            : (sp, _) => ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);
    }

    /// <summary>A pool facade that records its failed calls; everything else passes through.</summary>
    private sealed class Recording(IScriptPool inner, string pool, RecentFailures failures) : IScriptPool
    {
        public async Task<ScriptResult> RunAsync(string moduleName, string functionName, string argsJson, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.RunAsync(moduleName, functionName, argsJson, deadline, cancellationToken).ConfigureAwait(false);
            }
            catch (ScriptPoolException ex)
            {
                failures.Add(pool, moduleName, functionName, ex);
                throw;
            }
        }

        public async Task<ScriptResult> RunAsync(string moduleName, string functionName, IReadOnlyList<object?> args, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.RunAsync(moduleName, functionName, args, deadline, cancellationToken).ConfigureAwait(false);
            }
            catch (ScriptPoolException ex)
            {
                failures.Add(pool, moduleName, functionName, ex);
                throw;
            }
        }

        public async Task<IReadOnlyList<ScriptOutcome>> RunBatchAsync(IReadOnlyList<ScriptCall> calls, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
        {
            var outcomes = await inner.RunBatchAsync(calls, deadline, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < outcomes.Count && i < calls.Count; i++)
            {
                if (outcomes[i].Error is { } error)
                {
                    failures.Add(pool, calls[i].Module, calls[i].Function, error);
                }
            }

            return outcomes;
        }

        public Task<PoolStats> GetStatsAsync(CancellationToken cancellationToken = default) => inner.GetStatsAsync(cancellationToken);
    }
}

/// <summary>One failed call, as the dashboard lists it.</summary>
internal sealed record FailureRow(
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("call")] string Call,
    [property: JsonPropertyName("message")] string Message);
