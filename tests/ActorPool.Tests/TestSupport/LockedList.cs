using System.Collections.ObjectModel;

namespace ActorPool.Tests.TestSupport;

/// <summary>A list an exporter may add to from other threads while a test reads snapshots of it.</summary>
internal sealed class LockedList<T> : Collection<T>
{
    public T[] Snapshot()
    {
        lock (Items)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, T item)
    {
        lock (Items)
        {
            base.InsertItem(index, item);
        }
    }
}
