using System.Text;

namespace Vmm.Host.Tracing;

/// <summary>
/// Follows a trace file a running VM is writing (`vmm trace --follow`): reads what is there, then polls for more,
/// handing each whole line on as it arrives. A line without its newline yet is held back until it is complete, so a
/// record the writer is halfway through is never reported as malformed.
/// </summary>
public static class HypercallTraceFollower
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads <paramref name="path"/> until <paramref name="cancel"/> fires, calling <paramref name="onEntry"/> for every
    /// record and <paramref name="onError"/> for every unreadable line. The file may not exist yet: it is waited for.
    /// </summary>
    public static void Follow(string path, Action<HypercallTraceEntry> onEntry, Action<TraceLineError> onError, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(onEntry);
        ArgumentNullException.ThrowIfNull(onError);
        FileStream? stream = null;
        try
        {
            while (stream is null)
            {
                if (File.Exists(path))
                {
                    stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                }
                else if (cancel.WaitHandle.WaitOne(s_poll))
                {
                    return;
                }
            }

            var pending = new StringBuilder();
            var decoder = Encoding.UTF8.GetDecoder();
            byte[] bytes = new byte[64 * 1024];
            char[] chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            var entries = new List<HypercallTraceEntry>();
            var errors = new List<TraceLineError>();
            long line = 0;
            while (!cancel.IsCancellationRequested)
            {
                int read = stream.Read(bytes);
                if (read == 0)
                {
                    if (cancel.WaitHandle.WaitOne(s_poll))
                    {
                        break;
                    }

                    continue;
                }

                int n = decoder.GetChars(bytes, 0, read, chars, 0);
                for (int i = 0; i < n; i++)
                {
                    if (chars[i] != '\n')
                    {
                        pending.Append(chars[i]);
                        continue;
                    }

                    line++;
                    HypercallTraceReader.Parse(pending.ToString(), line, entries, errors);
                    pending.Clear();
                    entries.ForEach(onEntry);
                    errors.ForEach(onError);
                    entries.Clear();
                    errors.Clear();
                }
            }
        }
        finally
        {
            stream?.Dispose();
        }
    }
}
