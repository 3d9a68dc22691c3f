using System.Text;
using Vmm.Host.Tracing;

namespace Vmm.Host.Tests.Tracing;

/// <summary>Reading damaged and growing traces: bad lines are named by number and everything else is still read.</summary>
public sealed class HypercallTraceReadingTests
{
    [Fact]
    public void MalformedAndTruncatedLinesAreReportedByLineNumberAndTheRestIsRead()
    {
        TracedRun run = TracedRun.Record("hcfuzz", 1, "linux", new() { ["calls"] = "200" });
        string[] lines = run.Trace.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200, lines.Length);
        lines[2] = "{\"time\": not json";                         // line 3: malformed
        lines[9] = lines[9].Replace("\"vcpu\":0,", string.Empty, StringComparison.Ordinal); // line 10: a field missing
        lines[^1] = lines[^1][..(lines[^1].Length / 2)];          // line 200: cut short, as by a crash
        TraceReadResult read = HypercallTraceReader.Read(new StringReader(string.Join('\n', lines)));

        Assert.Equal(new long[] { 3, 10, 200 }, read.Errors.Select(e => e.Line));
        Assert.Contains("vcpu", read.Errors[1].Message, StringComparison.Ordinal);
        Assert.Equal(197, read.Entries.Count);
        Assert.DoesNotContain(read.Entries, e => e.Line is 3 or 10 or 200);
        Assert.Equal(Enumerable.Range(1, 200).Where(n => n is not (3 or 10 or 200)).Select(n => (long)n), read.Entries.Select(e => e.Line));

        var text = new StringWriter();
        HypercallTraceText.Write(HypercallTraceSummary.Build(read.Entries, read.Errors), text);
        Assert.Contains("197 hypercalls", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("line 200: ", text.ToString(), StringComparison.Ordinal);

        // Negative control: the undamaged trace reads without errors.
        Assert.Empty(run.Read().Errors);
    }

    [Fact]
    public void FollowSeesEveryRecordOfAGrowingFileAndWaitsForHalfWrittenLines()
    {
        TracedRun run = TracedRun.Record("hccallers", 1, "linux", new() { ["alpha"] = "40", ["beta"] = "10" });
        byte[] trace = Encoding.UTF8.GetBytes(run.Trace);
        string path = Path.Combine(Path.GetTempPath(), $"vmm-follow-{Guid.NewGuid():N}.jsonl");
        var seen = new List<HypercallTraceEntry>();
        var errors = new List<TraceLineError>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            var writer = new Thread(() =>
            {
                using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
                // Odd-sized chunks, so lines arrive in pieces, with pauses the follower polls through.
                for (int offset = 0; offset < trace.Length; offset += 997)
                {
                    file.Write(trace, offset, Math.Min(997, trace.Length - offset));
                    file.Flush();
                    Thread.Sleep(15);
                }
            });
            writer.Start();
            HypercallTraceFollower.Follow(
                path,
                e =>
                {
                    seen.Add(e);
                    if (seen.Count == 50)
                    {
                        stop.Cancel();
                    }
                },
                errors.Add,
                stop.Token);
            writer.Join();
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Empty(errors);
        Assert.Equal(50, seen.Count);
        Assert.Equal(Enumerable.Range(1, 50).Select(n => (long)n), seen.Select(e => e.Line));
        Assert.Equal(run.Read().Entries.Select(Key), seen.Select(Key));
    }

    // Entries are records, but their call-site bytes are an array: compare what they say.
    private static string Key(HypercallTraceEntry e) =>
        $"{e.Line} {e.Time:O} {e.Vcpu} {e.Code} {e.StatusKey} {e.DurationUs} {e.Caller} {Convert.ToHexString(e.CallSite ?? [])}";
}
