using ActorPool.Protocol;
using ActorPool.Tests.TestSupport;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorPool.Tests.Facade;

/// <summary>
/// The reply sink completes callers' tasks from whatever thread delivers a reply (a dispatcher thread, a remote
/// transport thread). Caller code must never run on that thread: these specs fail if the sink's tasks stop
/// running their continuations asynchronously.
/// </summary>
public sealed class ReplySinkSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task A_caller_continuation_should_never_run_on_the_thread_that_delivers_the_reply()
    {
        var sink = NewSink();
        var completion = sink.Register("t1");
        var inline = new InlineProbe();

        // ExecuteSynchronously asks to run inline with the completion: only the sink's own option prevents it.
        _ = completion.Task.ContinueWith(_ => inline.Record(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        inline.During(() => sink.Tell(new ScriptSucceeded("t1", "1"), ActorRefs.NoSender));

        Assert.False(await inline.RanInline.WaitAsync(TimeSpan.FromSeconds(10)), "the caller's continuation ran inside Tell, on the delivering thread");
    }

    [Fact]
    public async Task A_caller_that_blocks_in_its_continuation_should_not_stall_the_delivery_of_other_replies()
    {
        var sink = NewSink();
        var first = sink.Register("t1");
        var second = sink.Register("t2");
        using var release = new ManualResetEventSlim();
        _ = first.Task.ContinueWith(_ => release.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            // One delivering thread, two replies in a row, as a dispatcher delivers them.
            var delivery = Task.Run(() =>
            {
                sink.Tell(new ScriptSucceeded("t1", "1"), ActorRefs.NoSender);
                sink.Tell(new ScriptSucceeded("t2", "2"), ActorRefs.NoSender);
            });

            await delivery.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("2", ((ScriptSucceeded)(await second.Task.WaitAsync(TimeSpan.FromSeconds(10)))).ResultJson);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task Failing_every_pending_call_should_not_run_caller_code_on_the_failing_thread()
    {
        var sink = NewSink();
        var completion = sink.Register("t1");
        var inline = new InlineProbe();
        _ = completion.Task.ContinueWith(_ => inline.Record(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        inline.During(() => sink.FailAll(FailureKind.WorkerCrashed, "gone"));

        Assert.False(await inline.RanInline.WaitAsync(TimeSpan.FromSeconds(10)), "the caller's continuation ran inside FailAll, on the failing thread");
    }

    /// <summary>Tells whether a continuation ran inline: on the calling thread, while the call was still running.</summary>
    private sealed class InlineProbe
    {
        private readonly TaskCompletionSource<bool> _ranInline = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _thread;

        public Task<bool> RanInline => _ranInline.Task;

        public void During(Action action)
        {
            Volatile.Write(ref _thread, Environment.CurrentManagedThreadId);
            action();
            Volatile.Write(ref _thread, 0);
        }

        public void Record() => _ranInline.TrySetResult(Volatile.Read(ref _thread) == Environment.CurrentManagedThreadId);
    }

    private ReplySink NewSink()
    {
        var provider = ((ExtendedActorSystem)Sys).Provider;
        return new ReplySink(provider, provider.TempPath());
    }
}
