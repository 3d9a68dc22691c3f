using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Vmm.Host.Logging;

/// <summary>Builds the process logger: warnings to stderr (debug with --verbose), everything to the --log file.</summary>
public static class VmmLogging
{
    /// <summary>
    /// Creates the logger: <paramref name="console"/> (stderr when null) gets warnings, or debug messages with
    /// <paramref name="verbose"/>, one line each; <paramref name="logFile"/>, a writer the caller opened, gets
    /// everything, exceptions with their stack traces.
    /// </summary>
    public static Logger Create(bool verbose, TextWriter? logFile, TextWriter? console = null)
    {
        LoggerConfiguration config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose || logFile is not null ? LogEventLevel.Debug : LogEventLevel.Warning)
            .Enrich.WithProperty("SourceContext", "vmm")
            .WriteTo.Sink(new TextWriterSink(console ?? Console.Error, "vmm: [{Level:u3}] {Message:lj}{NewLine}"), verbose ? LogEventLevel.Debug : LogEventLevel.Warning);
        if (logFile is not null)
        {
            config = config.WriteTo.Sink(new TextWriterSink(logFile, "{Timestamp:HH:mm:ss.fff} [{Level:u3}] ({ThreadName}) {Message:lj}{NewLine}{Exception}"));
        }

        return config.CreateLogger();
    }
}
