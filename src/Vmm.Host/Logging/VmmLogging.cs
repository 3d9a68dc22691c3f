using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Vmm.Host.Logging;

/// <summary>Builds the process logger: warnings to stderr (debug with --verbose), everything to --log FILE.</summary>
public static class VmmLogging
{
    /// <summary>Creates the logger.</summary>
    public static Logger Create(bool verbose, string? logFile)
    {
        LoggerConfiguration config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose || logFile is not null ? LogEventLevel.Debug : LogEventLevel.Warning)
            .Enrich.WithProperty("SourceContext", "vmm")
            .WriteTo.Console(
                restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Warning,
                outputTemplate: "vmm: [{Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose);
        if (logFile is not null)
        {
            config = config.WriteTo.File(logFile, outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] ({ThreadName}) {Message:lj}{NewLine}{Exception}");
        }

        return config.CreateLogger();
    }
}
