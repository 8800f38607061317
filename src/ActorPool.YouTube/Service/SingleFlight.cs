using System.Collections.Concurrent;

namespace ActorPool.YouTube.Service;

/// <summary>
/// Concurrent callers for one key share one running operation; the key is free again once it completes, so a
/// failure is not remembered (the next caller tries again).
/// </summary>
internal sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _running = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Keys => [.. _running.Keys];

    public Task<T> RunAsync(string key, Func<Task<T>> operation)
    {
        var mine = new Lazy<Task<T>>(() => StartAsync(key, operation), LazyThreadSafetyMode.ExecutionAndPublication);
        return _running.GetOrAdd(key, mine).Value;
    }

    private async Task<T> StartAsync(string key, Func<Task<T>> operation)
    {
        try
        {
            // Yield first so the operation never runs inside GetOrAdd's caller synchronously under contention.
            await Task.Yield();
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }
}
