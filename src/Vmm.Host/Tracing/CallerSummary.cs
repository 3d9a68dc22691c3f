namespace Vmm.Host.Tracing;

/// <summary>One calling site of a trace: a return address, the calls made from it, and what it resolves to.</summary>
public sealed record CallerSummary
{
    /// <summary>The return address into the calling function.</summary>
    public ulong Address { get; init; }

    /// <summary>The address as `symbol+0xoffset`, when a symbol file was given and covers it.</summary>
    public string? Symbol { get; init; }

    /// <summary>Calls made from here.</summary>
    public long Count { get; init; }

    /// <summary>Calls by name.</summary>
    public IReadOnlyDictionary<string, long> Calls { get; init; } = new Dictionary<string, long>();

    /// <summary>The call instruction that ends at <see cref="Address"/>, disassembled (Intel syntax), when its bytes were read.</summary>
    public string? Instruction { get; init; }

    /// <summary>The call instruction's address.</summary>
    public ulong? InstructionAddress { get; init; }
}
