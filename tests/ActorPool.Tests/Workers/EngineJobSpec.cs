using ActorPool.Protocol;
using ActorPool.Workers;
using static ActorPool.Workers.WorkerProtocol;

namespace ActorPool.Tests.Workers;

/// <summary>
/// The per-call hand-off between a worker and its engine thread (docs/architecture.md, "Batches"): each call is
/// claimed by exactly one of the two, the engine thread to start it or the worker to withdraw it.
/// </summary>
public sealed class EngineJobSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EngineJob_should_not_start_a_call_the_worker_withdrew()
    {
        var job = Job(2);

        Assert.True(job.TryWithdraw(1, null));

        Assert.True(job.TryBegin(0, T0));
        Assert.False(job.TryBegin(1, T0));
    }

    [Fact]
    public void EngineJob_should_not_let_the_worker_withdraw_a_call_that_started_or_ended()
    {
        var job = Job(2);
        Assert.True(job.TryBegin(0, T0));
        Assert.False(job.TryWithdraw(0, null));
        job.End(0, new ScriptSucceeded("c0", "1"));

        Assert.False(job.TryWithdraw(0, null));
        Assert.Equal(-1, job.RunningIndex());
        Assert.Equal(1, job.FirstPending());
    }

    [Fact]
    public void EngineJob_should_answer_the_running_call_as_told_keep_ended_ones_and_leave_withdrawn_ones_to_the_queue()
    {
        var job = Job(4);
        var cancelled = new ScriptFailed("c3", FailureKind.Cancelled, "cancelled", ScriptFailed.NeverStarted);
        Assert.True(job.TryWithdraw(3, cancelled));
        job.TryBegin(0, T0);
        job.End(0, new ScriptSucceeded("c0", "0"));
        job.TryBegin(1, T0.AddSeconds(1));

        job.WithdrawPending();
        var replies = job.Replies(i => new ScriptFailed($"c{i}", FailureKind.Timeout, "cut off"));

        Assert.Equal(new ScriptSucceeded("c0", "0"), replies[0]);
        Assert.Equal(FailureKind.Timeout, ((ScriptFailed)replies[1]!).Kind);
        Assert.Null(replies[2]);
        Assert.Same(cancelled, replies[3]);
        Assert.Equal(T0.AddSeconds(1), job.StartedAt(1));
        Assert.False(job.TryBegin(2, T0));
    }

    [Fact]
    public void EngineJob_should_give_each_call_to_exactly_one_side_when_the_engine_thread_and_the_worker_race()
    {
        // No timing asserted: whatever the interleaving, every call is either started or withdrawn, never both,
        // and a call that started is never answered "never started".
        for (var round = 0; round < 200; round++)
        {
            var job = Job(64);
            var started = new bool[64];
            using var go = new Barrier(2);
            var engine = new Thread(() =>
            {
                go.SignalAndWait();
                for (var i = 0; i < 64; i++)
                {
                    if (job.TryBegin(i, T0))
                    {
                        started[i] = true;
                        job.End(i, new ScriptSucceeded($"c{i}", "1"));
                    }
                }
            });
            engine.Start();
            go.SignalAndWait();
            job.WithdrawPending();
            engine.Join();

            var replies = job.Replies(null);
            for (var i = 0; i < 64; i++)
            {
                Assert.True(started[i] == replies[i] is not null, $"round {round}, call {i}: started {started[i]}, reply {replies[i]}");
            }
        }
    }

    private static EngineJob Job(int calls) =>
        new([.. Enumerable.Range(0, calls).Select(i => new JobCall(new RunScript($"c{i}", "basic", "echo", "[]"), TimeSpan.FromSeconds(1)))]);
}
