namespace Vmm.Guests;

/// <summary>An assembled guest: code at a base address, its entry, and the IDT gates it installs.</summary>
/// <param name="Base">Guest-physical (= virtual) address of the first code byte.</param>
/// <param name="Code">The machine code.</param>
/// <param name="Entry">Where every vCPU starts.</param>
/// <param name="InterruptGates">Vector → handler address overrides for the default IDT.</param>
public sealed record GuestImage(ulong Base, byte[] Code, ulong Entry, IReadOnlyDictionary<byte, ulong> InterruptGates)
{
    /// <summary>Named guest functions → their addresses, for guests that publish them (a symbol file for `vmm trace --symbols`).</summary>
    public IReadOnlyDictionary<string, ulong> Symbols { get; init; } = new Dictionary<string, ulong>();
}
