using System.Text;
using System.Text.Json;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.DispatchHarness;

namespace Vmm.HyperV.Tests.Hypercalls;

public sealed class HypercallTraceWriterTests
{
    private static readonly string[] s_fields =
    [
        "time", "vcpu", "code", "name", "fast", "xmm", "rep", "varHeader", "repStart", "repCount",
        "status", "statusCode", "repsCompleted", "durationUs", "rip", "continued", "ud",
    ];

    [Fact]
    public void ACallProducesOneParseableLineWithEveryField()
    {
        using var stream = new MemoryStream();
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true))
        using (var h = new DispatchHarness(tracer: writer))
        {
            h.Io.InstructionPointer = 0xFFFF_F800_0000_1000;
            h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressListEx, variableHeaderSize: 1, repCount: 2).Value, FailInput, processor: 1);
            h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 5).Value, FailInput, processor: 3);
        }

        string[] lines = Lines(stream);
        Assert.Equal(2, lines.Length);
        using JsonDocument doc = JsonDocument.Parse(lines[1]);
        JsonElement line = doc.RootElement;
        Assert.Equal(s_fields, line.EnumerateObject().Select(p => p.Name));
        Assert.True(DateTime.UtcNow - line.GetProperty("time").GetDateTime().ToUniversalTime() < TimeSpan.FromMinutes(1));
        Assert.EndsWith("Z", line.GetProperty("time").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, line.GetProperty("vcpu").GetInt32());
        Assert.Equal(3, line.GetProperty("code").GetInt32());
        Assert.Equal("HvCallFlushVirtualAddressList", line.GetProperty("name").GetString());
        Assert.False(line.GetProperty("fast").GetBoolean());
        Assert.False(line.GetProperty("xmm").GetBoolean());
        Assert.True(line.GetProperty("rep").GetBoolean());
        Assert.Equal(0, line.GetProperty("varHeader").GetInt32());
        Assert.Equal(0, line.GetProperty("repStart").GetInt32());
        Assert.Equal(5, line.GetProperty("repCount").GetInt32());
        Assert.Equal("HV_STATUS_INVALID_PARAMETER", line.GetProperty("status").GetString());
        Assert.Equal(5, line.GetProperty("statusCode").GetInt32());
        Assert.Equal(2, line.GetProperty("repsCompleted").GetInt32());
        Assert.True(line.GetProperty("durationUs").GetDouble() >= 0);
        Assert.Equal("0xFFFFF80000001000", line.GetProperty("rip").GetString());
        Assert.False(line.GetProperty("continued").GetBoolean());
        Assert.False(line.GetProperty("ud").GetBoolean());

        using JsonDocument first = JsonDocument.Parse(lines[0]);
        Assert.Equal(1, first.RootElement.GetProperty("varHeader").GetInt32());
        Assert.Equal("HvCallFlushVirtualAddressListEx", first.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public void ContinuedAndInvalidOpcodeCallsAreMarked()
    {
        using var stream = new MemoryStream();
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true))
        using (var h = new DispatchHarness(maxRepsPerInvocation: 2, tracer: writer))
        {
            h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 5).Value, ListInput);
            h.Call(0x1234, cpl: 3);
        }

        string[] lines = Lines(stream);
        using JsonDocument continued = JsonDocument.Parse(lines[0]);
        Assert.True(continued.RootElement.GetProperty("continued").GetBoolean());
        Assert.Equal("HV_STATUS_SUCCESS", continued.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, continued.RootElement.GetProperty("repsCompleted").GetInt32());

        using JsonDocument ud = JsonDocument.Parse(lines[1]);
        Assert.True(ud.RootElement.GetProperty("ud").GetBoolean());
        Assert.Equal(JsonValueKind.Null, ud.RootElement.GetProperty("status").ValueKind);
        Assert.Equal(JsonValueKind.Null, ud.RootElement.GetProperty("statusCode").ValueKind);
        Assert.Equal(JsonValueKind.Null, ud.RootElement.GetProperty("repsCompleted").ValueKind);
        Assert.Equal("HvCall0x1234", ud.RootElement.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(HvStatus.Success, "HV_STATUS_SUCCESS")]
    [InlineData(HvStatus.InvalidHypercallCode, "HV_STATUS_INVALID_HYPERCALL_CODE")]
    [InlineData(HvStatus.InvalidHypercallInput, "HV_STATUS_INVALID_HYPERCALL_INPUT")]
    [InlineData(HvStatus.AccessDenied, "HV_STATUS_ACCESS_DENIED")]
    [InlineData(HvStatus.InvalidLpIndex, "HV_STATUS_INVALID_LP_INDEX")]
    [InlineData(HvStatus.TimeOut, "HV_STATUS_TIME_OUT")]
    [InlineData(HvStatus.VtlAlreadyEnabled, "HV_STATUS_VTL_ALREADY_ENABLED")]
    [InlineData((HvStatus)0x1234, "HV_STATUS_0x1234")]
    public void StatusIsTheTlfsName(HvStatus status, string expected)
    {
        using var stream = new MemoryStream();
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true))
        {
            writer.OnHypercall(new HypercallTraceRecord { Status = status, Timestamp = DateTime.UtcNow });
        }

        using JsonDocument doc = JsonDocument.Parse(Lines(stream).Single());
        Assert.Equal(expected, doc.RootElement.GetProperty("status").GetString());
        Assert.Equal((ushort)status, doc.RootElement.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public void ConcurrentWritersProduceWholeLines()
    {
        const int Threads = 8;
        const int PerThread = 2_000;
        using var stream = new MemoryStream();
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true))
        {
            using var start = new Barrier(Threads);
            Thread[] threads = Enumerable.Range(0, Threads).Select(vcpu => new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    writer.OnHypercall(new HypercallTraceRecord
                    {
                        Timestamp = DateTime.UtcNow,
                        ProcessorIndex = vcpu,
                        Control = HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: (i % 4000) + 1),
                        IsRep = true,
                        RepsCompleted = (i % 4000) + 1,
                        InstructionPointer = (ulong)i,
                    });
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => t.Join());
        }

        string[] lines = Lines(stream);
        Assert.Equal(Threads * PerThread, lines.Length);
        var perVcpu = new int[Threads];
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.Equal(s_fields.Length, doc.RootElement.EnumerateObject().Count());
            perVcpu[doc.RootElement.GetProperty("vcpu").GetInt32()]++;
        }

        Assert.All(perVcpu, count => Assert.Equal(PerThread, count));
    }

    [Fact]
    public void DisposeFlushesAndClosesTheStream()
    {
        var inner = new MemoryStream();
        var buffered = new BufferedStream(inner, 1 << 16);
        var writer = new HypercallTraceWriter(buffered);
        writer.OnHypercall(new HypercallTraceRecord { Timestamp = DateTime.UtcNow });
        Assert.Equal(0, inner.Length);

        writer.Dispose();
        writer.Dispose();
        writer.OnHypercall(new HypercallTraceRecord { Timestamp = DateTime.UtcNow }); // dropped, no throw

        Assert.Single(Encoding.UTF8.GetString(inner.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(buffered.CanWrite);
    }

    [Fact]
    public void RecordsPastTheSizeLimitAreDroppedAndCounted()
    {
        const int Records = 100;
        const long Limit = 2_000;
        using var stream = new MemoryStream();
        HypercallTraceStatistics statistics;
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true, maxBytes: Limit))
        {
            for (int i = 0; i < Records; i++)
            {
                writer.OnHypercall(new HypercallTraceRecord { Timestamp = DateTime.UtcNow, ProcessorIndex = i });
            }

            writer.Dispose();
            statistics = writer.Statistics;
        }

        Assert.True(stream.Length <= Limit);
        Assert.Equal(stream.Length, statistics.WrittenBytes);
        Assert.Equal(Lines(stream).Length, statistics.Written);
        Assert.True(statistics.Written > 0 && statistics.DroppedSizeLimit > 0, statistics.ToString());
        Assert.Equal(Records, statistics.Written + statistics.Dropped);
        Assert.Equal(0, statistics.DroppedQueueFull);
    }

    [Fact]
    public void AFullQueueDropsInsteadOfBlockingTheCaller()
    {
        const int Records = 10_000;
        using var stream = new MemoryStream();
        HypercallTraceStatistics statistics;
        using (var writer = new HypercallTraceWriter(stream, leaveOpen: true, queueCapacity: 4))
        {
            // Far faster than the writer thread's 10 ms drain: most records find the 4-record queue full.
            for (int i = 0; i < Records; i++)
            {
                writer.OnHypercall(new HypercallTraceRecord { Timestamp = DateTime.UtcNow, ProcessorIndex = i });
            }

            writer.Dispose();
            statistics = writer.Statistics;
        }

        Assert.True(statistics.DroppedQueueFull > 0, statistics.ToString());
        Assert.Equal(Records, statistics.Written + statistics.DroppedQueueFull);
        Assert.Equal(statistics.Written, Lines(stream).Length);
    }

    private static string[] Lines(MemoryStream stream)
    {
        string text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
