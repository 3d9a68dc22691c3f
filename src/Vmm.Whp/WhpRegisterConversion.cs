using Vmm.Core.Registers;
using static Vmm.Whp.Interop.WinHvPlatform;
using static Vmm.Whp.Interop.WinHvPlatform.WHV_REGISTER_NAME;

namespace Vmm.Whp;

/// <summary>
/// Converts the backend-neutral register model to and from WHV register name/value arrays: the fixed name
/// lists for the standard and special register sets, and the value encodings (segment attribute word,
/// table register layout).
/// </summary>
/// <remarks>
/// The name lists are in the order WinHvPlatformDefs.h numbers the registers (lines 37-327), and the value
/// arrays are read and written in the same order, index by index. Pair a list with a
/// <see cref="WhpRegisterBuffer"/>: <c>Load</c> the names once per call, then convert the values span.
/// </remarks>
internal static class WhpRegisterConversion
{
    /// <summary>Number of entries in <see cref="StandardRegisterNames"/>.</summary>
    internal const int StandardRegisterCount = 18;

    /// <summary>Number of entries in <see cref="SpecialRegisterNames"/>.</summary>
    internal const int SpecialRegisterCount = 17;

    // WHV_X64_SEGMENT_REGISTER.Attributes bit layout (WinHvPlatformDefs.h lines 940-948).
    private const int AttributeTypeMask = 0xF;
    private const int AttributeNonSystem = 1 << 4;
    private const int AttributeDplShift = 5;
    private const int AttributePresent = 1 << 7;
    private const int AttributeAvailable = 1 << 12;
    private const int AttributeLong = 1 << 13;
    private const int AttributeDefault = 1 << 14;
    private const int AttributeGranularity = 1 << 15;

    private static readonly WHV_REGISTER_NAME[] s_standardNames =
    [
        WHvX64RegisterRax,
        WHvX64RegisterRcx,
        WHvX64RegisterRdx,
        WHvX64RegisterRbx,
        WHvX64RegisterRsp,
        WHvX64RegisterRbp,
        WHvX64RegisterRsi,
        WHvX64RegisterRdi,
        WHvX64RegisterR8,
        WHvX64RegisterR9,
        WHvX64RegisterR10,
        WHvX64RegisterR11,
        WHvX64RegisterR12,
        WHvX64RegisterR13,
        WHvX64RegisterR14,
        WHvX64RegisterR15,
        WHvX64RegisterRip,
        WHvX64RegisterRflags,
    ];

    private static readonly WHV_REGISTER_NAME[] s_specialNames =
    [
        WHvX64RegisterEs,
        WHvX64RegisterCs,
        WHvX64RegisterSs,
        WHvX64RegisterDs,
        WHvX64RegisterFs,
        WHvX64RegisterGs,
        WHvX64RegisterLdtr,
        WHvX64RegisterTr,
        WHvX64RegisterIdtr,
        WHvX64RegisterGdtr,
        WHvX64RegisterCr0,
        WHvX64RegisterCr2,
        WHvX64RegisterCr3,
        WHvX64RegisterCr4,
        WHvX64RegisterCr8,
        WHvX64RegisterEfer,
        WHvX64RegisterApicBase,
    ];

    /// <summary>RAX..R15 in hardware encoding order, then RIP and RFLAGS.</summary>
    internal static ReadOnlySpan<WHV_REGISTER_NAME> StandardRegisterNames => s_standardNames;

    /// <summary>ES, CS, SS, DS, FS, GS, LDTR, TR, IDTR, GDTR, CR0, CR2, CR3, CR4, CR8, EFER, APIC base.</summary>
    /// <remarks>
    /// With the hypervisor's APIC enabled CR8 is the APIC's TPR, and EFER/APIC base are the MSR images.
    /// Whether APIC base is writable with a given LocalApicEmulationMode is the hypervisor's decision.
    /// </remarks>
    internal static ReadOnlySpan<WHV_REGISTER_NAME> SpecialRegisterNames => s_specialNames;

    /// <summary>Writes <paramref name="registers"/> in <see cref="StandardRegisterNames"/> order.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> has fewer than <see cref="StandardRegisterCount"/> elements.</exception>
    internal static void ToValues(in StandardRegisters registers, Span<WHV_REGISTER_VALUE> values)
    {
        EnsureLength(values.Length, StandardRegisterCount, nameof(values));
        values[0] = Reg64(registers.Rax);
        values[1] = Reg64(registers.Rcx);
        values[2] = Reg64(registers.Rdx);
        values[3] = Reg64(registers.Rbx);
        values[4] = Reg64(registers.Rsp);
        values[5] = Reg64(registers.Rbp);
        values[6] = Reg64(registers.Rsi);
        values[7] = Reg64(registers.Rdi);
        values[8] = Reg64(registers.R8);
        values[9] = Reg64(registers.R9);
        values[10] = Reg64(registers.R10);
        values[11] = Reg64(registers.R11);
        values[12] = Reg64(registers.R12);
        values[13] = Reg64(registers.R13);
        values[14] = Reg64(registers.R14);
        values[15] = Reg64(registers.R15);
        values[16] = Reg64(registers.Rip);
        values[17] = Reg64(registers.Rflags);
    }

    /// <summary>Reads values that were fetched with <see cref="StandardRegisterNames"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> has fewer than <see cref="StandardRegisterCount"/> elements.</exception>
    internal static void FromValues(ReadOnlySpan<WHV_REGISTER_VALUE> values, out StandardRegisters registers)
    {
        EnsureLength(values.Length, StandardRegisterCount, nameof(values));
        registers = new StandardRegisters
        {
            Rax = values[0].Reg64,
            Rcx = values[1].Reg64,
            Rdx = values[2].Reg64,
            Rbx = values[3].Reg64,
            Rsp = values[4].Reg64,
            Rbp = values[5].Reg64,
            Rsi = values[6].Reg64,
            Rdi = values[7].Reg64,
            R8 = values[8].Reg64,
            R9 = values[9].Reg64,
            R10 = values[10].Reg64,
            R11 = values[11].Reg64,
            R12 = values[12].Reg64,
            R13 = values[13].Reg64,
            R14 = values[14].Reg64,
            R15 = values[15].Reg64,
            Rip = values[16].Reg64,
            Rflags = values[17].Reg64,
        };
    }

    /// <summary>Writes <paramref name="registers"/> in <see cref="SpecialRegisterNames"/> order.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="values"/> is too short, or a segment's type or DPL does not fit its bitfield.
    /// </exception>
    internal static void ToValues(in SpecialRegisters registers, Span<WHV_REGISTER_VALUE> values)
    {
        EnsureLength(values.Length, SpecialRegisterCount, nameof(values));
        values[0] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Es) };
        values[1] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Cs) };
        values[2] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Ss) };
        values[3] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Ds) };
        values[4] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Fs) };
        values[5] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Gs) };
        values[6] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Ldt) };
        values[7] = new WHV_REGISTER_VALUE { Segment = ToWhv(registers.Tr) };
        values[8] = new WHV_REGISTER_VALUE { Table = ToWhv(registers.Idt) };
        values[9] = new WHV_REGISTER_VALUE { Table = ToWhv(registers.Gdt) };
        values[10] = Reg64(registers.Cr0);
        values[11] = Reg64(registers.Cr2);
        values[12] = Reg64(registers.Cr3);
        values[13] = Reg64(registers.Cr4);
        values[14] = Reg64(registers.Cr8);
        values[15] = Reg64(registers.Efer);
        values[16] = Reg64(registers.ApicBase);
    }

    /// <summary>Reads values that were fetched with <see cref="SpecialRegisterNames"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> has fewer than <see cref="SpecialRegisterCount"/> elements.</exception>
    internal static void FromValues(ReadOnlySpan<WHV_REGISTER_VALUE> values, out SpecialRegisters registers)
    {
        EnsureLength(values.Length, SpecialRegisterCount, nameof(values));
        registers = new SpecialRegisters
        {
            Es = FromWhv(values[0].Segment),
            Cs = FromWhv(values[1].Segment),
            Ss = FromWhv(values[2].Segment),
            Ds = FromWhv(values[3].Segment),
            Fs = FromWhv(values[4].Segment),
            Gs = FromWhv(values[5].Segment),
            Ldt = FromWhv(values[6].Segment),
            Tr = FromWhv(values[7].Segment),
            Idt = FromWhv(values[8].Table),
            Gdt = FromWhv(values[9].Table),
            Cr0 = values[10].Reg64,
            Cr2 = values[11].Reg64,
            Cr3 = values[12].Reg64,
            Cr4 = values[13].Reg64,
            Cr8 = values[14].Reg64,
            Efer = values[15].Reg64,
            ApicBase = values[16].Reg64,
        };
    }

    /// <summary>Converts a neutral segment register to WHP's form.</summary>
    /// <exception cref="ArgumentException">The type does not fit 4 bits or the DPL does not fit 2 bits.</exception>
    internal static WHV_X64_SEGMENT_REGISTER ToWhv(in SegmentRegister segment) => new()
    {
        Base = segment.Base,
        Limit = segment.Limit,
        Selector = segment.Selector,
        Attributes = EncodeSegmentAttributes(segment),
    };

    /// <summary>Converts WHP's segment register to the neutral form; <see cref="SegmentRegister.Unusable"/> is the inverse of Present.</summary>
    internal static SegmentRegister FromWhv(in WHV_X64_SEGMENT_REGISTER segment)
    {
        var result = new SegmentRegister
        {
            Base = segment.Base,
            Limit = segment.Limit,
            Selector = segment.Selector,
        };
        DecodeSegmentAttributes(segment.Attributes, ref result);
        return result;
    }

    /// <summary>Converts a neutral descriptor-table register to WHP's form (padding zeroed).</summary>
    internal static WHV_X64_TABLE_REGISTER ToWhv(in TableRegister table) => new()
    {
        Limit = table.Limit,
        Base = table.Base,
    };

    /// <summary>Converts WHP's descriptor-table register to the neutral form.</summary>
    internal static TableRegister FromWhv(in WHV_X64_TABLE_REGISTER table) => new()
    {
        Base = table.Base,
        Limit = table.Limit,
    };

    /// <summary>
    /// Builds the WHV attribute word: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15 (bits 11:8
    /// reserved, zero).
    /// </summary>
    /// <remarks>
    /// The word has no "unusable" bit (VMX keeps one in access-rights bit 16; SVM has none). A usable
    /// segment is always present (Intel SDM Vol. 3C, VM entries, "Checks on Guest Segment Registers"), so
    /// this backend encodes an unusable segment as P = 0 with every other attribute kept, and reads P = 0
    /// back as unusable - the identification KVM makes for SVM state (arch/x86/kvm/svm/svm.c,
    /// svm_get_segment). A neutral segment whose Unusable is not the inverse of Present therefore comes
    /// back normalized (Present and Unusable = false/true); every other state round-trips exactly.
    /// </remarks>
    /// <exception cref="ArgumentException">The type does not fit 4 bits or the DPL does not fit 2 bits.</exception>
    internal static ushort EncodeSegmentAttributes(in SegmentRegister segment)
    {
        if (segment.Type > AttributeTypeMask || segment.Dpl > 3)
        {
            throw new ArgumentException(
                $"Segment type {segment.Type} or DPL {segment.Dpl} does not fit the descriptor fields.", nameof(segment));
        }

        int attributes = segment.Type | (segment.Dpl << AttributeDplShift);
        attributes |= segment.NonSystem ? AttributeNonSystem : 0;
        attributes |= segment.Present && !segment.Unusable ? AttributePresent : 0;
        attributes |= segment.Available ? AttributeAvailable : 0;
        attributes |= segment.Long ? AttributeLong : 0;
        attributes |= segment.DefaultBig ? AttributeDefault : 0;
        attributes |= segment.Granularity ? AttributeGranularity : 0;
        return (ushort)attributes;
    }

    /// <summary>
    /// Fills the attribute fields of <paramref name="segment"/> from a WHV attribute word; reserved bits
    /// 11:8 are ignored and <see cref="SegmentRegister.Unusable"/> is set exactly when P is clear.
    /// </summary>
    internal static void DecodeSegmentAttributes(ushort attributes, ref SegmentRegister segment)
    {
        segment.Type = (byte)(attributes & AttributeTypeMask);
        segment.NonSystem = (attributes & AttributeNonSystem) != 0;
        segment.Dpl = (byte)((attributes >> AttributeDplShift) & 3);
        segment.Present = (attributes & AttributePresent) != 0;
        segment.Available = (attributes & AttributeAvailable) != 0;
        segment.Long = (attributes & AttributeLong) != 0;
        segment.DefaultBig = (attributes & AttributeDefault) != 0;
        segment.Granularity = (attributes & AttributeGranularity) != 0;
        segment.Unusable = !segment.Present;
    }

    // A 64-bit register value with the upper 8 bytes of the 16-byte slot zeroed.
    private static WHV_REGISTER_VALUE Reg64(ulong value) => new() { Reg64 = value };

    private static void EnsureLength(int length, int required, string paramName)
    {
        if (length < required)
        {
            throw new ArgumentException($"Expected at least {required} register values, got {length}.", paramName);
        }
    }
}
