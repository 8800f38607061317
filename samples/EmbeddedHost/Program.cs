// An ActorPool embedded in a .NET Generic Host: Akka.Hosting starts the actor system and the pool, and any
// service gets IScriptPool by constructor injection.
using ActorPool;
using ActorPool.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddAkka("sample", akka => akka.WithScriptPool(pool =>
{
    pool.ModulesDirectory = Path.Combine(AppContext.BaseDirectory, "scripts");
    pool.Workers = 2;
}));
builder.Services.AddScriptPoolFacade();
builder.Services.AddHostedService<GreetingJob>();
await builder.Build().RunAsync();

/// <summary>Calls two functions of scripts/greeting.mjs through the injected pool, prints the answers, then stops the host.</summary>
internal sealed class GreetingJob(IScriptPool pool, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var greeting = await pool.RunAsync("greeting", "greet", ["ActorPool"], TimeSpan.FromSeconds(10), stoppingToken);
            Console.WriteLine($"greet: {greeting.As<string>()}");

            var words = await pool.RunAsync("greeting", "wordCount", ["three small words"], TimeSpan.FromSeconds(10), stoppingToken);
            Console.WriteLine($"wordCount: {words.As<int>()}");

            try
            {
                await pool.RunAsync("greeting", "missing", "[]", TimeSpan.FromSeconds(10), stoppingToken);
            }
            catch (ScriptPoolException e)
            {
                Console.WriteLine($"missing: {e.Kind}");
            }
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
