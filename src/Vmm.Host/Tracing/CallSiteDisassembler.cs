using Iced.Intel;

namespace Vmm.Host.Tracing;

/// <summary>
/// Finds and disassembles the call instruction that ends at a return address, from the code bytes just before it
/// (a trace keeps 16). x86 code cannot be decoded backwards, so every start in the window is decoded forwards; the
/// starts whose instruction stream ends exactly at the return address with a call vote for that call, and the
/// call most starts agree on wins (instruction streams resynchronise within a few bytes), the longer on a tie.
/// </summary>
public static class CallSiteDisassembler
{
    /// <summary>
    /// Disassembles the call ending at <paramref name="returnAddress"/> from <paramref name="code"/> (the bytes that
    /// end there), in Intel syntax with the targets of relative calls resolved, or null when no call ends there.
    /// </summary>
    public static (string Text, ulong Address)? Disassemble(ReadOnlySpan<byte> code, ulong returnAddress)
    {
        var votes = new Dictionary<(ulong Ip, int Length), int>();
        var found = new Dictionary<(ulong Ip, int Length), Instruction>();
        byte[] bytes = code.ToArray();
        ulong windowStart = returnAddress - (ulong)bytes.Length;
        for (int start = 0; start < bytes.Length; start++)
        {
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes, start, bytes.Length - start));
            decoder.IP = windowStart + (ulong)start;
            Instruction last = default;
            while (decoder.IP < returnAddress)
            {
                decoder.Decode(out last);
                if (last.IsInvalid)
                {
                    break;
                }
            }

            if (decoder.IP != returnAddress || last.IsInvalid || last.FlowControl is not (FlowControl.Call or FlowControl.IndirectCall))
            {
                continue;
            }

            var key = (last.IP, last.Length);
            votes[key] = votes.GetValueOrDefault(key) + 1;
            found[key] = last;
        }

        if (votes.Count == 0)
        {
            return null;
        }

        (ulong Ip, int Length) best = votes.OrderByDescending(v => v.Value).ThenByDescending(v => v.Key.Length).First().Key;
        var formatter = new IntelFormatter();
        formatter.Options.FirstOperandCharIndex = 0;
        var output = new StringOutput();
        formatter.Format(found[best], output);
        return (output.ToStringAndReset(), best.Ip);
    }
}
