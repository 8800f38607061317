namespace ActorPool.YouTube.Service;

/// <summary>A thread-safe least-recently-used map with a fixed capacity; evicted entries are reported.</summary>
internal sealed class BoundedCache<TValue>(int capacity, Action<string, TValue>? evicted = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, TValue Value)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, TValue Value)> _order = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be at least 1");

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    public bool TryGet(string key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    public bool Contains(string key)
    {
        lock (_gate)
        {
            return _map.ContainsKey(key);
        }
    }

    public void Set(string key, TValue value)
    {
        List<(string, TValue)>? dropped = null;
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                _order.Remove(existing);
            }

            var node = _order.AddFirst((key, value));
            _map[key] = node;
            while (_map.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                (dropped ??= []).Add(last.Value);
            }
        }

        // Callbacks run outside the lock: they may touch other caches.
        foreach (var (k, v) in dropped ?? [])
        {
            evicted?.Invoke(k, v);
        }
    }

    public bool Remove(string key)
    {
        TValue value;
        lock (_gate)
        {
            if (!_map.Remove(key, out var node))
            {
                return false;
            }

            _order.Remove(node);
            value = node.Value.Value;
        }

        evicted?.Invoke(key, value);
        return true;
    }

    public IReadOnlyList<(string Key, TValue Value)> Snapshot()
    {
        lock (_gate)
        {
            return [.. _order];
        }
    }
}
