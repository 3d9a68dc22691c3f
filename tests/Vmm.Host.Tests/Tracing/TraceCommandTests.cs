using System.Xml.Linq;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests.Tracing;

/// <summary>`vmm trace` and `vmm run --trace-max-size` on the command line.</summary>
public sealed class TraceCommandTests
{
    private const string Line = """{"time":"2026-12-02T19:29:47.0837598Z","vcpu":1,"code":2,"name":"HvCallFlushVirtualAddressSpace","fast":false,"xmm":false,"rep":false,"varHeader":0,"repStart":0,"repCount":0,"status":"HV_STATUS_SUCCESS","statusCode":0,"repsCompleted":0,"durationUs":50.5,"rip":"0x0000000000112000","continued":false,"ud":false,"shape":"all","targets":4,"banks":0,"flushAll":true,"strategy":"kick","flushUs":12.3,"kicked":2}""";

    [Theory]
    [InlineData("trace", "/nonexistent/calls.jsonl")]
    [InlineData("trace", "{file}", "--code", "HvCallNoSuchCall")]
    [InlineData("trace", "{file}", "--code", "0x10000")]
    [InlineData("trace", "{file}", "--status", "NO_SUCH_STATUS")]
    [InlineData("trace", "{file}", "--vcpu", "one")]
    [InlineData("trace", "{file}", "--since", "yesterday")]
    [InlineData("trace", "{file}", "--symbols", "/nonexistent/System.map")]
    [InlineData("run", "--trace-max-size", "0")]
    [InlineData("run", "--trace-max-size", "lots")]
    public void BadTraceInputGetsOneLineAndExitCodeTwo(params string[] args)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Line + "\n");
            var error = new StringWriter();
            int code = VmmCommandLine.Run([.. args.Select(a => a.Replace("{file}", file, StringComparison.Ordinal))], error);
            Assert.Equal(ExitCodes.UsageError, code);
            Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("vmm: ", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void PlotOptionWritesAnSvgDocument()
    {
        string file = Path.GetTempFileName();
        string svg = Path.ChangeExtension(file, ".svg");
        try
        {
            File.WriteAllText(file, Line + "\n" + Line.Replace("\"vcpu\":1", "\"vcpu\":0", StringComparison.Ordinal) + "\n");
            Assert.Equal(ExitCodes.Success, VmmCommandLine.Run(["trace", file, "--plot", svg, "--vcpu", "0,1"], new StringWriter()));
            XDocument doc = XDocument.Load(svg);
            Assert.Equal("svg", doc.Root!.Name.LocalName);
            Assert.Equal(2, doc.Root.Elements().Count(e => e.Name.LocalName == "svg")); // rate panel + one histogram
        }
        finally
        {
            File.Delete(file);
            File.Delete(svg);
        }
    }
}
