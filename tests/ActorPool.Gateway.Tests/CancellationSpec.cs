using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorPool.Gateway.Tests;

/// <summary>
/// Cancellation end to end over Kestrel and real sockets: a client that goes away (connection reset) or gives up (its
/// own timeout) cancels its task through HttpContext.RequestAborted, the facade and the pool's CancelScript. A running
/// task's engine is interrupted (the task ends <c>cancelled</c>, long before the in-flight timeout could end it), a
/// queued one never runs, and the one worker serves the next call. The pool has one worker and a 60 s in-flight
/// timeout, so a task that was not cancelled would be seen: it would spin until that timeout (outcome <c>timeout</c>)
/// and hold up the next call.
/// </summary>
public sealed class CancellationSpec : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["MAX_THREADS"] = "1", ["IN_FLIGHT_TIMEOUT_MS"] = "60000" });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_client_that_disconnects_should_cancel_its_running_task_and_its_queued_task_and_the_worker_should_serve_the_next_call()
    {
        // The running task: a script that never ends on its own.
        using var running = await SendAsync("spin");
        await WaitForAsync(p => p.GetProperty("workers").GetProperty("busy").GetInt32() == 1, "the spin task to run");

        // The queued task: the same script behind it (queued, or held by the busy worker: either way not started).
        using var queued = await SendAsync("spin");
        await WaitForAsync(p => p.GetProperty("queue").GetProperty("length").GetInt32() == 1, "the second spin task to wait");

        // The queued client goes away first, then the running one.
        Reset(queued);
        await WaitForAsync(p => Tasks(p, "cancelled") == 1 && p.GetProperty("queue").GetProperty("length").GetInt32() == 0, "the queued task to be cancelled");
        Reset(running);
        await WaitForAsync(p => Tasks(p, "cancelled") == 2, "the running task to be cancelled");

        await AssertServesNextCallAsync();
    }

    [Fact]
    public async Task A_client_that_times_out_should_cancel_its_running_task_and_the_worker_should_serve_the_next_call()
    {
        // HttpClient's own timeout: it gives up, closes the connection, and the gateway sees RequestAborted.
        using var impatient = new HttpClient { BaseAddress = _gateway.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.PostAsync("/v1/scripts/faults/spin", new StringContent("{\"args\":[]}", Encoding.UTF8, "application/json")));

        await WaitForAsync(p => Tasks(p, "cancelled") == 1, "the abandoned task to be cancelled");
        await AssertServesNextCallAsync();
    }

    /// <summary>The one worker answers a new call, and nothing ran into the in-flight timeout.</summary>
    private async Task AssertServesNextCallAsync()
    {
        var (status, body) = await _gateway.CallAsync("faults", "add", "{\"args\":[2,3]}").ReadAsync();
        Assert.True(status == 200, body.ToString());
        Assert.Equal(5, body.GetProperty("result").GetInt32());

        var pool = await _gateway.PoolAsync();
        Assert.True(Tasks(pool, "timeout") == 0, "a task ran into the in-flight timeout: " + pool);
        Assert.Equal(1, Tasks(pool, "succeeded"));
    }

    private static long Tasks(JsonElement pool, string outcome) =>
        pool.GetProperty("tasks").TryGetProperty(outcome, out var count) ? count.GetInt64() : 0;

    /// <summary>Polls /v1/pool until <paramref name="condition"/> holds, within <see cref="Bound"/> (an event wait, not a timing claim).</summary>
    private async Task WaitForAsync(Func<JsonElement, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Bound);
        JsonElement pool;
        while (!condition(pool = await _gateway.PoolAsync()))
        {
            if (timeout.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"waited {Bound.TotalSeconds} s for {what}; pool: {pool}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Opens a connection and sends a whole request for <c>faults.{function}</c>; the answer is never read.</summary>
    private async Task<Socket> SendAsync(string function)
    {
        var server = _gateway.Client.BaseAddress!;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port);
        var body = "{\"args\":[]}"u8.ToArray();
        await socket.SendAsync(RawHttp.Request("POST", $"/v1/scripts/faults/{function}", body), SocketFlags.None);
        return socket;
    }

    /// <summary>Linger 0: close sends RST, as a client process that dies does.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}
