using System.Diagnostics;
using ActorPool.Telemetry;
using ActorPool.Tests.TestSupport;
using Xunit.Abstractions;

namespace ActorPool.Tests.Facade;

public sealed class TracingSpec(ITestOutputHelper output) : PoolTestKit(RealTime, output)
{
    [Fact]
    public async Task A_call_should_record_a_client_span_and_a_task_span_below_the_callers_activity()
    {
        using var spans = new SpanRecorder(PoolTelemetry.ActivitySourceName);
        await using var pool = StartPool(Settings());
        using var caller = spans.StartParent();

        await pool.RunAsync("basic", "add", "[2, 40]");

        var run = spans.One(PoolTelemetry.RunSpanName, PoolTelemetry.FunctionAttribute, "add");
        var task = spans.One(PoolTelemetry.TaskSpanName, PoolTelemetry.FunctionAttribute, "add");
        Assert.Equal(ActivityKind.Client, run.Kind);
        Assert.Equal(caller.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, task.Kind);
        Assert.Equal(run.SpanId, task.ParentSpanId);
        Assert.Equal(run.GetTagItem(PoolTelemetry.TaskIdAttribute), task.GetTagItem(PoolTelemetry.TaskIdAttribute));
        Assert.Equal("basic", task.GetTagItem(PoolTelemetry.ModuleAttribute));
        Assert.Equal("succeeded", task.GetTagItem(PoolTelemetry.OutcomeAttribute));
        Assert.Equal("succeeded", run.GetTagItem(PoolTelemetry.OutcomeAttribute));
        Assert.Null(task.GetTagItem(PoolTelemetry.FailureKindAttribute));
        Assert.Equal(ActivityStatusCode.Unset, task.Status);
        var started = Assert.Single(task.Events, e => e.Name == PoolTelemetry.StartedEventName);
        Assert.InRange(started.Timestamp, task.StartTimeUtc, task.StartTimeUtc + task.Duration);
        Assert.IsType<double>(task.GetTagItem(PoolTelemetry.WaitAttribute));
    }

    [Fact]
    public async Task A_failed_task_should_carry_its_failure_kind_and_an_error_status_on_both_spans()
    {
        using var spans = new SpanRecorder(PoolTelemetry.ActivitySourceName);
        await using var pool = StartPool(Settings());
        using var caller = spans.StartParent();

        await Assert.ThrowsAsync<ScriptErrorException>(() => pool.RunAsync("faults", "boom", ["kaput"]));

        foreach (var span in new[] { spans.One(PoolTelemetry.RunSpanName, PoolTelemetry.FunctionAttribute, "boom"), spans.One(PoolTelemetry.TaskSpanName, PoolTelemetry.FunctionAttribute, "boom") })
        {
            Assert.Equal("script_error", span.GetTagItem(PoolTelemetry.OutcomeAttribute));
            Assert.Equal("script_error", span.GetTagItem(PoolTelemetry.FailureKindAttribute));
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Contains("kaput", span.StatusDescription, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_call_should_leave_the_callers_current_activity_as_it_was()
    {
        using var spans = new SpanRecorder(PoolTelemetry.ActivitySourceName);
        await using var pool = StartPool(Settings());
        using var caller = spans.StartParent();

        var call = pool.RunAsync("basic", "echo", "[1]");
        var currentAfterSend = Activity.Current;
        await call;

        Assert.Same(caller, currentAfterSend);
        Assert.Same(caller, Activity.Current);
    }

    [Fact]
    public async Task The_command_should_carry_the_callers_W3C_trace_context()
    {
        var supervisor = CreateTestProbe();
        await using var pool = ScriptPool.Attach(Sys, supervisor.Ref);
        var caller = new Activity("host-request");
        caller.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        caller.TraceStateString = "rojo=00f067aa0ba902b7";
        using (caller.Start())
        {
            _ = pool.RunAsync("basic", "echo", "[1]");
        }

        var run = supervisor.ExpectMsg<Protocol.RunScript>();
        // The caller's own context, or (when a test beside this one listens to ActorPool) the child span made for it.
        Assert.True(ActivityContext.TryParse(run.TraceParent, run.TraceState, out var context), $"not a traceparent: '{run.TraceParent}'");
        Assert.Equal(caller.TraceId, context.TraceId);
        Assert.Equal("rojo=00f067aa0ba902b7", run.TraceState);
    }
}
