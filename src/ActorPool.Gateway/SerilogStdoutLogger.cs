using Akka.Event;
using Serilog.Events;

namespace ActorPool.Gateway;

/// <summary>
/// Akka's last-resort logger (<c>akka.stdout-logger-class</c>): Akka writes through it before its loggers start
/// and again while the actor system shuts down. The default one prints plain text to standard out, which would
/// break LOG_FORMAT=json; this one hands those events to Serilog like every other log event.
/// </summary>
public sealed class SerilogStdoutLogger : MinimalLogger
{
    /// <inheritdoc />
    protected override void Log(object message)
    {
        if (message is not Akka.Event.LogEvent e)
        {
            return;
        }

        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogEventLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogEventLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        Serilog.Log.Logger
            .ForContext("SourceContext", e.LogClass?.FullName ?? "Akka")
            .ForContext("LogSource", e.LogSource)
            .Write(level, e.Cause, "{AkkaMessage}", e.Message?.ToString());
    }
}
