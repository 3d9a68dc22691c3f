using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Vmm.Host.Logging;

/// <summary>
/// A Serilog sink over a writer vmm opened itself (the `--log` file, checked and created before the hypervisor is
/// opened; Serilog's file sink would create missing directories and swallow open failures). Thread-safe: vCPU
/// threads log concurrently.
/// </summary>
internal sealed class TextWriterSink : ILogEventSink
{
    private readonly TextWriter _writer;
    private readonly MessageTemplateTextFormatter _formatter;
    private readonly Lock _lock = new();

    public TextWriterSink(TextWriter writer, string outputTemplate)
    {
        _writer = writer;
        _formatter = new MessageTemplateTextFormatter(outputTemplate, CultureInfo.InvariantCulture);
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _formatter.Format(logEvent, _writer);
            _writer.Flush();
        }
    }
}
