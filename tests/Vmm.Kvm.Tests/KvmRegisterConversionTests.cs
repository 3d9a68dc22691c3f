using Vmm.Core.Registers;
using Vmm.Kvm.Interop.Types;

namespace Vmm.Kvm.Tests;

/// <summary>Neutral register model ↔ KVM UAPI structs is the identity in both directions, for every register class.</summary>
public sealed class KvmRegisterConversionTests
{
    public static TheoryData<SegmentRegister> Segments
    {
        get
        {
            var data = new TheoryData<SegmentRegister>();
            // Every attribute bit on its own, plus realistic code/data/TSS/unusable descriptors.
            data.Add(new SegmentRegister { Base = 0x1234_5678_9ABC_DEF0, Limit = 0xFFFF_FFFF, Selector = 0x08, Type = 0xB, Present = true, NonSystem = true, Long = true, Granularity = true });
            data.Add(new SegmentRegister { Limit = 0xFFFF_FFFF, Selector = 0x10, Type = 0x3, Present = true, NonSystem = true, DefaultBig = true, Granularity = true });
            data.Add(new SegmentRegister { Base = 0x16000, Limit = 0x67, Selector = 0x28, Type = 0xB, Present = true });
            data.Add(new SegmentRegister { Unusable = true });
            data.Add(new SegmentRegister { Dpl = 3, Selector = 0x23, Type = 0xB, Present = true, NonSystem = true, Long = true });
            data.Add(new SegmentRegister { Available = true, Type = 0x2, Present = true });
            return data;
        }
    }

    [Fact]
    public void StandardRegistersRoundTrip()
    {
        var r = new StandardRegisters
        {
            Rax = 1, Rbx = 2, Rcx = 3, Rdx = 4, Rsi = 5, Rdi = 6, Rsp = 7, Rbp = 8,
            R8 = 9, R9 = 10, R10 = 11, R11 = 12, R12 = 13, R13 = 14, R14 = 15, R15 = 16,
            Rip = 0xFFFF_8000_0000_1000, Rflags = 0x246,
        };
        KvmRegisterConversion.FromNeutral(r, out kvm_regs k);
        Assert.Equal(9UL, k.r8);
        Assert.Equal(0x246UL, k.rflags);
        KvmRegisterConversion.ToNeutral(k, out StandardRegisters back);
        Assert.Equal(r, back);
    }

    [Theory]
    [MemberData(nameof(Segments))]
    public void SegmentRoundTrips(SegmentRegister segment)
    {
        kvm_segment k = KvmRegisterConversion.FromNeutral(segment);
        Assert.Equal(segment, KvmRegisterConversion.ToNeutral(k));
    }

    [Fact]
    public unsafe void SpecialRegistersRoundTripAndKeepPendingInterruptBitmap()
    {
        var s = new SpecialRegisters
        {
            Cs = new SegmentRegister { Selector = 0x08, Type = 0xB, Present = true, NonSystem = true, Long = true },
            Ss = new SegmentRegister { Selector = 0x10, Type = 0x3, Present = true, NonSystem = true, DefaultBig = true },
            Tr = new SegmentRegister { Selector = 0x28, Base = 0x16000, Limit = 0x67, Type = 0xB, Present = true },
            Ldt = new SegmentRegister { Unusable = true },
            Gdt = new TableRegister { Base = 0x13000, Limit = 0x127 },
            Idt = new TableRegister { Base = 0x15000, Limit = 0xFFF },
            Cr0 = 0x8005_0033, Cr2 = 0xDEAD_B000, Cr3 = 0x1000, Cr4 = 0x6A0, Cr8 = 0xF, Efer = 0x500, ApicBase = 0xFEE0_0900,
        };
        kvm_sregs k = default;
        k.interrupt_bitmap[1] = 0x8000_0000_0000_0001;
        KvmRegisterConversion.FromNeutral(s, ref k);
        Assert.Equal(0x8000_0000_0000_0001UL, k.interrupt_bitmap[1]);
        KvmRegisterConversion.ToNeutral(k, out SpecialRegisters back);
        Assert.Equal(s, back);
    }
}
