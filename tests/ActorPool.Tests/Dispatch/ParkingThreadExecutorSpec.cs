using System.Collections.Concurrent;
using ActorPool.Dispatch;
using Akka.Dispatch;

namespace ActorPool.Tests.Dispatch;

public sealed class ParkingThreadExecutorSpec
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ParkingThreadExecutor_should_run_items_in_order_on_its_own_thread()
    {
        var executor = new ParkingThreadExecutor("spec", threadCount: 1);
        try
        {
            var seen = new ConcurrentQueue<(int Item, string? Thread)>();
            var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 0; i < 100; i++)
            {
                var item = i;
                executor.Execute(new ActionRunnable(() =>
                {
                    seen.Enqueue((item, Thread.CurrentThread.Name));
                    if (item == 99)
                    {
                        last.SetResult();
                    }
                }));
            }

            await last.Task.WaitAsync(Patience);

            Assert.Equal(Enumerable.Range(0, 100), seen.Select(s => s.Item));
            Assert.All(seen, s => Assert.Equal("actorpool-dispatcher", s.Thread));
        }
        finally
        {
            executor.Shutdown();
        }
    }

    [Fact]
    public async Task ParkingThreadExecutor_should_wake_a_sleeping_thread_for_each_new_item()
    {
        var executor = new ParkingThreadExecutor("spec", threadCount: 2);
        try
        {
            // Each item is posted only after the one before ran, so the threads have gone to sleep in between.
            for (var i = 0; i < 200; i++)
            {
                var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                executor.Execute(new ActionRunnable(ran.SetResult));
                await ran.Task.WaitAsync(Patience);
            }
        }
        finally
        {
            executor.Shutdown();
        }
    }

    [Fact]
    public async Task ParkingThreadExecutor_should_run_items_posted_from_many_threads_exactly_once()
    {
        var executor = new ParkingThreadExecutor("spec", threadCount: 2);
        try
        {
            var count = 0;
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            const int Producers = 4;
            const int PerProducer = 5_000;
            await Task.WhenAll(Enumerable.Range(0, Producers).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    executor.Execute(new ActionRunnable(() =>
                    {
                        if (Interlocked.Increment(ref count) == Producers * PerProducer)
                        {
                            all.SetResult();
                        }
                    }));
                }
            })));

            await all.Task.WaitAsync(Patience);
            Assert.Equal(Producers * PerProducer, Volatile.Read(ref count));
        }
        finally
        {
            executor.Shutdown();
        }
    }

    [Fact]
    public void ParkingThreadExecutor_should_refuse_items_once_shut_down()
    {
        var executor = new ParkingThreadExecutor("spec", threadCount: 1);
        executor.Shutdown();

        Assert.Throws<RejectedExecutionException>(() => executor.Execute(new ActionRunnable(() => { })));
    }
}
