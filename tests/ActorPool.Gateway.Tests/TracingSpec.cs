using System.Diagnostics;
using System.Text;
using ActorPool.Telemetry;
using ActorPool.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ActorPool.Gateway.Tests;

/// <summary>One HTTP call through a real gateway, traced with the in-memory exporter.</summary>
public sealed class TracingSpec
{
    [Theory]
    [InlineData("add", """{"args": [2, 40]}""", 200, "succeeded")]
    [InlineData("fail", """{"args": ["boom"]}""", 422, "script_error")]
    public async Task One_HTTP_call_should_form_one_trace_request_span_then_run_span_then_task_span(string function, string body, int status, string outcome)
    {
        // Our own trace id, sent as the caller's traceparent, keeps other tests' requests out of the recording.
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var exported = new LockedList<Activity>();
        var serverEnded = new ServerSpanEnded(traceId);
        await using var gateway = await GatewayHost.StartAsync(tracing: traces => traces
            .SetSampler(new OneTrace(traceId))
            .AddInMemoryExporter(exported)
            .AddProcessor(serverEnded));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/scripts/faults/{function}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        // The server span ends after the response is sent; its processor runs after the exporter's.
        await serverEnded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var spans = exported.Snapshot().Where(a => a.TraceId == traceId).ToList();
        var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server);
        var run = Assert.Single(spans, a => a.OperationName == PoolTelemetry.RunSpanName);
        var task = Assert.Single(spans, a => a.OperationName == PoolTelemetry.TaskSpanName);
        Assert.Equal("Microsoft.AspNetCore", server.Source.Name);
        Assert.Equal(callerSpan, server.ParentSpanId);
        Assert.Equal(server.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityKind.Client, run.Kind);
        Assert.Equal(run.SpanId, task.ParentSpanId);
        Assert.Equal(PoolTelemetry.ActivitySourceName, task.Source.Name);
        Assert.Equal("faults", task.GetTagItem(PoolTelemetry.ModuleAttribute));
        Assert.Equal(function, task.GetTagItem(PoolTelemetry.FunctionAttribute));
        Assert.Equal(outcome, task.GetTagItem(PoolTelemetry.OutcomeAttribute));
        Assert.Equal(outcome, run.GetTagItem(PoolTelemetry.OutcomeAttribute));
        Assert.Equal(outcome == "succeeded" ? null : outcome, task.GetTagItem(PoolTelemetry.FailureKindAttribute));
        Assert.Contains(task.Events, e => e.Name == PoolTelemetry.StartedEventName);
        Assert.Equal(status, server.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task One_HTTP_call_through_a_remote_pool_should_form_one_trace_across_the_cluster()
    {
        // A cluster gateway (no pool of its own) and a script-worker node in this process, talking over Akka.Remote
        // on 127.0.0.1: the task span is made by the worker node's supervisor, linked only by the context in RunScript.
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var exported = new LockedList<Activity>();
        var serverEnded = new ServerSpanEnded(traceId);
        var port = GatewayProcess.FreePort();
        var seed = $"akka.tcp://actorpool@127.0.0.1:{port}";
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["CLUSTER_ROLE"] = "gateway",
                ["CLUSTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CLUSTER_SEEDS"] = seed,
            },
            traces => traces.SetSampler(new OneTrace(traceId)).AddInMemoryExporter(exported).AddProcessor(serverEnded));
        using var worker = Akka.Actor.ActorSystem.Create("actorpool", Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.roles = [script-worker]
            akka.coordinated-shutdown.exit-clr = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(Configuration.ActorPoolConfig.Default));
        try
        {
            ScriptPool.Start(worker, new Modules.DirectoryModuleSource(GatewayHost.ModulesDirectory), Configuration.PoolSettings.Default with { Workers = 1 });
            // The gateway is ready once each of its routers (generic scripts, solvers) sees a pool on a worker node.
            ScriptPool.Start(worker, new Modules.InMemoryModuleSource(), Configuration.PoolSettings.Default with { Workers = 1 }, "solver-pool");
            Akka.Cluster.Cluster.Get(worker).Join(Akka.Actor.Address.Parse(seed));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((int)(await gateway.Client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode != 200)
            {
                Assert.True(DateTime.UtcNow < deadline, "the gateway never saw the worker node's pool");
                await Task.Delay(50);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scripts/faults/add")
            {
                Content = new StringContent("""{"args": [2, 40]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            await serverEnded.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var spans = exported.Snapshot().Where(a => a.TraceId == traceId).ToList();
            var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server);
            var run = Assert.Single(spans, a => a.OperationName == PoolTelemetry.RunSpanName);
            var task = Assert.Single(spans, a => a.OperationName == PoolTelemetry.TaskSpanName);
            Assert.Equal(server.SpanId, run.ParentSpanId);
            Assert.Equal(run.SpanId, task.ParentSpanId);
            Assert.Equal("succeeded", task.GetTagItem(PoolTelemetry.OutcomeAttribute));
        }
        finally
        {
            await worker.Terminate();
        }
    }

    [Fact]
    public async Task The_gateway_should_export_traces_and_metrics_only_when_an_OTLP_endpoint_is_set()
    {
        var settings = new Dictionary<string, string?> { ["SCRIPTS_DIR"] = GatewayHost.ModulesDirectory, ["PORT"] = "0", ["HOST"] = "127.0.0.1", ["LOG_LEVEL"] = "warning" };
        await using (var plain = GatewayApp.Build([], settings))
        {
            Assert.Null(plain.Services.GetService<TracerProvider>());
            Assert.Null(plain.Services.GetService<MeterProvider>());
        }

        // Never started, so nothing is sent; the endpoint only has to be set.
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317";
        await using var exporting = GatewayApp.Build([], settings);
        Assert.NotNull(exporting.Services.GetService<TracerProvider>());
        Assert.NotNull(exporting.Services.GetService<MeterProvider>());
    }

    private sealed class OneTrace(ActivityTraceId traceId) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(samplingParameters.TraceId == traceId ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
    }

    private sealed class ServerSpanEnded(ActivityTraceId traceId) : BaseProcessor<Activity>
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _ended.Task;

        public override void OnEnd(Activity data)
        {
            if (data.TraceId == traceId && data.Kind == ActivityKind.Server)
            {
                _ended.TrySetResult();
            }
        }
    }
}
