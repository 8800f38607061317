using ActorPool.Configuration;
using ActorPool.Gateway;

// Fewer malloc arenas keep the resident set flat over a long run (see NativeHeap).
NativeHeap.CapArenas();

// Build the gateway from the environment; bad settings stop here with one message naming each variable.
WebApplication app;
try
{
    app = GatewayApp.Build(args);
}
catch (PoolConfigurationException ex)
{
    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
    return 2;
}

// Serve until SIGTERM / Ctrl+C; then Kestrel finishes requests in flight and the pool drains.
await app.RunAsync().ConfigureAwait(false);
return 0;
