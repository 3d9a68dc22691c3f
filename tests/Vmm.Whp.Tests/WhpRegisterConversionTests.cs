using Vmm.Core.Registers;
using Xunit;
using static Vmm.Whp.Interop.WinHvPlatform;
using static Vmm.Whp.Interop.WinHvPlatform.WHV_REGISTER_NAME;

namespace Vmm.Whp.Tests;

public sealed class WhpRegisterConversionTests
{
    // Segment attribute words from the descriptor formats of Intel SDM Vol. 3A §3.4.5 (access byte in bits
    // 7:0, flags nibble AVL/L/D/G in bits 15:12), in WHV's layout (WinHvPlatformDefs.h lines 940-948).
    private const ushort Code64 = 0xA09B;      // G, L, P, DPL 0, S, type 1011 (execute/read, accessed)
    private const ushort UserCode64 = 0xA0FB;  // as above with DPL 3
    private const ushort FlatData32 = 0xC093;  // G, D/B, P, DPL 0, S, type 0011 (read/write, accessed)
    private const ushort BusyTss64 = 0x008B;   // P, system type 1011 (busy 64-bit TSS)

    // EFER with SCE (bit 0), LME (bit 8), LMA (bit 10) and NXE (bit 11), Intel SDM Vol. 3A §2.2.1.
    private const ulong LongModeEfer = 0x0D01;

    [Fact]
    public void Standard_register_names_are_rax_to_rflags_in_header_numbering()
    {
        // WinHvPlatformDefs.h lines 40-57: RAX 0x00 .. R15 0x0F in hardware encoding order, RIP 0x10, RFLAGS 0x11.
        ReadOnlySpan<WHV_REGISTER_NAME> names = WhpRegisterConversion.StandardRegisterNames;
        Assert.Equal(WhpRegisterConversion.StandardRegisterCount, names.Length);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal((uint)i, (uint)names[i]);
        }
    }

    [Fact]
    public void Special_register_names_follow_header_numbering()
    {
        WHV_REGISTER_NAME[] expected =
        [
            (WHV_REGISTER_NAME)0x12, // Es
            (WHV_REGISTER_NAME)0x13, // Cs
            (WHV_REGISTER_NAME)0x14, // Ss
            (WHV_REGISTER_NAME)0x15, // Ds
            (WHV_REGISTER_NAME)0x16, // Fs
            (WHV_REGISTER_NAME)0x17, // Gs
            (WHV_REGISTER_NAME)0x18, // Ldtr
            (WHV_REGISTER_NAME)0x19, // Tr
            (WHV_REGISTER_NAME)0x1A, // Idtr
            (WHV_REGISTER_NAME)0x1B, // Gdtr
            (WHV_REGISTER_NAME)0x1C, // Cr0
            (WHV_REGISTER_NAME)0x1D, // Cr2
            (WHV_REGISTER_NAME)0x1E, // Cr3
            (WHV_REGISTER_NAME)0x1F, // Cr4
            (WHV_REGISTER_NAME)0x20, // Cr8
            (WHV_REGISTER_NAME)0x2001, // Efer
            (WHV_REGISTER_NAME)0x2003, // ApicBase
        ];
        Assert.Equal(expected, WhpRegisterConversion.SpecialRegisterNames.ToArray());
        Assert.Equal(WhpRegisterConversion.SpecialRegisterCount, expected.Length);
    }

    [Fact]
    public void Standard_registers_round_trip_and_land_under_their_own_names()
    {
        StandardRegisters original = DistinctStandardRegisters();
        var values = new WHV_REGISTER_VALUE[WhpRegisterConversion.StandardRegisterCount];

        WhpRegisterConversion.ToValues(original, values);
        WhpRegisterConversion.FromValues(values, out StandardRegisters back);

        Assert.Equal(original, back);
        var byName = ByName(WhpRegisterConversion.StandardRegisterNames, values);
        Assert.Equal(original.Rax, byName[WHvX64RegisterRax].Reg64);
        Assert.Equal(original.Rcx, byName[WHvX64RegisterRcx].Reg64);
        Assert.Equal(original.Rdx, byName[WHvX64RegisterRdx].Reg64);
        Assert.Equal(original.Rbx, byName[WHvX64RegisterRbx].Reg64);
        Assert.Equal(original.Rsp, byName[WHvX64RegisterRsp].Reg64);
        Assert.Equal(original.Rbp, byName[WHvX64RegisterRbp].Reg64);
        Assert.Equal(original.Rsi, byName[WHvX64RegisterRsi].Reg64);
        Assert.Equal(original.Rdi, byName[WHvX64RegisterRdi].Reg64);
        Assert.Equal(original.R8, byName[WHvX64RegisterR8].Reg64);
        Assert.Equal(original.R9, byName[WHvX64RegisterR9].Reg64);
        Assert.Equal(original.R10, byName[WHvX64RegisterR10].Reg64);
        Assert.Equal(original.R11, byName[WHvX64RegisterR11].Reg64);
        Assert.Equal(original.R12, byName[WHvX64RegisterR12].Reg64);
        Assert.Equal(original.R13, byName[WHvX64RegisterR13].Reg64);
        Assert.Equal(original.R14, byName[WHvX64RegisterR14].Reg64);
        Assert.Equal(original.R15, byName[WHvX64RegisterR15].Reg64);
        Assert.Equal(original.Rip, byName[WHvX64RegisterRip].Reg64);
        Assert.Equal(original.Rflags, byName[WHvX64RegisterRflags].Reg64);
    }

    [Fact]
    public void Writing_64_bit_registers_zeroes_the_upper_half_of_each_slot()
    {
        var values = new WHV_REGISTER_VALUE[WhpRegisterConversion.StandardRegisterCount];
        values.AsSpan().Fill(new WHV_REGISTER_VALUE { Reg128 = new WHV_UINT128(ulong.MaxValue, ulong.MaxValue) });

        WhpRegisterConversion.ToValues(DistinctStandardRegisters(), values);

        Assert.All(values, v => Assert.Equal(0UL, v.Reg128.High64));
    }

    [Fact]
    public void Special_registers_round_trip_and_land_under_their_own_names()
    {
        SpecialRegisters original = LongModeSpecialRegisters();
        var values = new WHV_REGISTER_VALUE[WhpRegisterConversion.SpecialRegisterCount];

        WhpRegisterConversion.ToValues(original, values);
        WhpRegisterConversion.FromValues(values, out SpecialRegisters back);

        Assert.Equal(original, back);
        var byName = ByName(WhpRegisterConversion.SpecialRegisterNames, values);
        Assert.Equal(original.Es.Selector, byName[WHvX64RegisterEs].Segment.Selector);
        Assert.Equal(original.Cs.Selector, byName[WHvX64RegisterCs].Segment.Selector);
        Assert.Equal(original.Ss.Selector, byName[WHvX64RegisterSs].Segment.Selector);
        Assert.Equal(original.Ds.Selector, byName[WHvX64RegisterDs].Segment.Selector);
        Assert.Equal(original.Fs.Base, byName[WHvX64RegisterFs].Segment.Base);
        Assert.Equal(original.Gs.Base, byName[WHvX64RegisterGs].Segment.Base);
        Assert.Equal(original.Ldt.Selector, byName[WHvX64RegisterLdtr].Segment.Selector);
        Assert.Equal(original.Tr.Base, byName[WHvX64RegisterTr].Segment.Base);
        Assert.Equal(original.Idt.Base, byName[WHvX64RegisterIdtr].Table.Base);
        Assert.Equal(original.Gdt.Limit, byName[WHvX64RegisterGdtr].Table.Limit);
        Assert.Equal(original.Cr0, byName[WHvX64RegisterCr0].Reg64);
        Assert.Equal(original.Cr2, byName[WHvX64RegisterCr2].Reg64);
        Assert.Equal(original.Cr3, byName[WHvX64RegisterCr3].Reg64);
        Assert.Equal(original.Cr4, byName[WHvX64RegisterCr4].Reg64);
        Assert.Equal(original.Cr8, byName[WHvX64RegisterCr8].Reg64);
        Assert.Equal(original.Efer, byName[WHvX64RegisterEfer].Reg64);
        Assert.Equal(original.ApicBase, byName[WHvX64RegisterApicBase].Reg64);
        Assert.Equal(Code64, byName[WHvX64RegisterCs].Segment.Attributes);
        Assert.Equal(BusyTss64, byName[WHvX64RegisterTr].Segment.Attributes);
    }

    [Fact]
    public void Control_registers_efer_and_apic_base_keep_every_bit()
    {
        SpecialRegisters original = LongModeSpecialRegisters();
        original.Cr0 = 0xFFFF_FFFF_FFFF_FFFF;
        original.Cr2 = 0x8000_0000_0000_0001;
        original.Cr3 = 0x0123_4567_89AB_C000;
        original.Cr4 = 0x0000_0000_0037_06F0;
        original.Cr8 = 0xF;
        original.Efer = LongModeEfer;
        original.ApicBase = 0xFEE0_0900;
        var values = new WHV_REGISTER_VALUE[WhpRegisterConversion.SpecialRegisterCount];

        WhpRegisterConversion.ToValues(original, values);
        WhpRegisterConversion.FromValues(values, out SpecialRegisters back);

        Assert.Equal(original.Cr0, back.Cr0);
        Assert.Equal(original.Cr2, back.Cr2);
        Assert.Equal(original.Cr3, back.Cr3);
        Assert.Equal(original.Cr4, back.Cr4);
        Assert.Equal(original.Cr8, back.Cr8);
        Assert.Equal(original.Efer, back.Efer);
        Assert.Equal(original.ApicBase, back.ApicBase);
    }

    [Fact]
    public void Every_canonical_segment_attribute_combination_round_trips()
    {
        // Type (16) x S x DPL (4) x P x AVL x L x D/B x G = 4096 states, Unusable = !Present (the only
        // states WHP can represent, see EncodeSegmentAttributes).
        int count = 0;
        foreach (SegmentRegister original in AllCanonicalSegments())
        {
            SegmentRegister back = WhpRegisterConversion.FromWhv(WhpRegisterConversion.ToWhv(original));
            Assert.Equal(original, back);
            count++;
        }

        Assert.Equal(4096, count);
    }

    [Fact]
    public void Every_canonical_segment_round_trips_in_every_special_register_slot()
    {
        var values = new WHV_REGISTER_VALUE[WhpRegisterConversion.SpecialRegisterCount];
        foreach (SegmentRegister segment in AllCanonicalSegments())
        {
            SpecialRegisters original = LongModeSpecialRegisters();
            original.Es = segment;
            original.Cs = segment with { Selector = 0x08 };
            original.Ss = segment with { Base = 0x1000 };
            original.Ds = segment with { Limit = 0xFFF };
            original.Fs = segment with { Base = 0x7FFF_0000_0000 };
            original.Gs = segment with { Base = 0xFFFF_8000_0000_0000 };
            original.Ldt = segment with { Selector = 0x50 };
            original.Tr = segment with { Selector = 0x40 };

            WhpRegisterConversion.ToValues(original, values);
            WhpRegisterConversion.FromValues(values, out SpecialRegisters back);

            Assert.Equal(original, back);
        }
    }

    [Theory]
    [InlineData(Code64, (byte)0xB, true, (byte)0, true, false, true, false, true)]
    [InlineData(UserCode64, (byte)0xB, true, (byte)3, true, false, true, false, true)]
    [InlineData(FlatData32, (byte)0x3, true, (byte)0, true, false, false, true, true)]
    [InlineData(BusyTss64, (byte)0xB, false, (byte)0, true, false, false, false, false)]
    [InlineData((ushort)0x1000, (byte)0x0, false, (byte)0, false, true, false, false, false)]
    public void Known_descriptors_encode_to_their_attribute_words(
        ushort attributes, byte type, bool nonSystem, byte dpl, bool present, bool available, bool longMode, bool defaultBig, bool granularity)
    {
        var segment = new SegmentRegister
        {
            Type = type,
            NonSystem = nonSystem,
            Dpl = dpl,
            Present = present,
            Available = available,
            Long = longMode,
            DefaultBig = defaultBig,
            Granularity = granularity,
            Unusable = !present,
        };

        Assert.Equal(attributes, WhpRegisterConversion.EncodeSegmentAttributes(segment));

        SegmentRegister decoded = default;
        WhpRegisterConversion.DecodeSegmentAttributes(attributes, ref decoded);
        Assert.Equal(segment, decoded);
    }

    [Fact]
    public void Unusable_segment_is_sent_as_not_present_with_its_other_attributes()
    {
        // A null selector loaded into DS in 64-bit mode: VMX reports it unusable; WHP has only P.
        var segment = new SegmentRegister { Type = 0x3, NonSystem = true, DefaultBig = true, Granularity = true, Present = false, Unusable = true };

        WHV_X64_SEGMENT_REGISTER whv = WhpRegisterConversion.ToWhv(segment);

        Assert.False(whv.Present);
        Assert.Equal(FlatData32 & ~0x80, whv.Attributes);
        Assert.True(WhpRegisterConversion.FromWhv(whv).Unusable);
    }

    [Fact]
    public void Present_but_unusable_is_normalized_to_not_present()
    {
        var segment = new SegmentRegister { Type = 0x3, NonSystem = true, Present = true, Unusable = true };

        SegmentRegister back = WhpRegisterConversion.FromWhv(WhpRegisterConversion.ToWhv(segment));

        Assert.False(back.Present);
        Assert.True(back.Unusable);
        Assert.Equal(segment with { Present = false }, back);
    }

    [Fact]
    public void Not_present_but_usable_comes_back_unusable()
    {
        var segment = new SegmentRegister { Type = 0x3, NonSystem = true, Present = false, Unusable = false };

        SegmentRegister back = WhpRegisterConversion.FromWhv(WhpRegisterConversion.ToWhv(segment));

        Assert.Equal(segment with { Unusable = true }, back);
    }

    [Fact]
    public void Reserved_attribute_bits_are_never_sent_and_ignored_on_read()
    {
        foreach (SegmentRegister segment in AllCanonicalSegments())
        {
            Assert.Equal(0, WhpRegisterConversion.EncodeSegmentAttributes(segment) & 0x0F00);
        }

        SegmentRegister withReserved = default;
        WhpRegisterConversion.DecodeSegmentAttributes(unchecked((ushort)(Code64 | 0x0F00)), ref withReserved);
        SegmentRegister plain = default;
        WhpRegisterConversion.DecodeSegmentAttributes(Code64, ref plain);
        Assert.Equal(plain, withReserved);
    }

    [Theory]
    [InlineData((byte)16, (byte)0)]
    [InlineData((byte)0, (byte)4)]
    public void Segment_fields_that_do_not_fit_are_rejected(byte type, byte dpl)
    {
        var segment = new SegmentRegister { Type = type, Dpl = dpl, Present = true };
        Assert.Throws<ArgumentException>(() => WhpRegisterConversion.EncodeSegmentAttributes(segment));
    }

    [Fact]
    public void Segment_base_limit_and_selector_are_copied_unchanged()
    {
        var segment = new SegmentRegister
        {
            Base = 0xFFFF_FFFF_FFFF_F000,
            Limit = 0xFFFF_FFFF,
            Selector = 0xFFFB,
            Type = 0x3,
            NonSystem = true,
            Present = true,
        };

        WHV_X64_SEGMENT_REGISTER whv = WhpRegisterConversion.ToWhv(segment);

        Assert.Equal(segment.Base, whv.Base);
        Assert.Equal(segment.Limit, whv.Limit);
        Assert.Equal(segment.Selector, whv.Selector);
    }

    [Theory]
    [InlineData(0UL, (ushort)0)]
    [InlineData(0xFFFF_8000_0010_0000UL, (ushort)0x0FFF)]
    [InlineData(ulong.MaxValue, ushort.MaxValue)]
    public void Table_registers_round_trip_with_zero_padding(ulong tableBase, ushort limit)
    {
        var table = new TableRegister { Base = tableBase, Limit = limit };

        WHV_X64_TABLE_REGISTER whv = WhpRegisterConversion.ToWhv(table);

        Assert.Equal(tableBase, whv.Base);
        Assert.Equal(limit, whv.Limit);
        Assert.Equal(0, whv.Pad[0]);
        Assert.Equal(0, whv.Pad[1]);
        Assert.Equal(0, whv.Pad[2]);
        Assert.Equal(table, WhpRegisterConversion.FromWhv(whv));
    }

    [Fact]
    public void Table_register_value_has_limit_at_byte_6_and_base_at_byte_8()
    {
        // WinHvPlatformDefs.h lines 957-962: UINT16 Pad[3]; UINT16 Limit; UINT64 Base.
        var value = new WHV_REGISTER_VALUE { Table = WhpRegisterConversion.ToWhv(new TableRegister { Base = 0x1122_3344_5566_7788, Limit = 0xABCD }) };

        Assert.Equal(0xABCD_0000_0000_0000UL, value.Reg128.Low64);
        Assert.Equal(0x1122_3344_5566_7788UL, value.Reg128.High64);
    }

    [Fact]
    public void Too_short_value_spans_are_rejected()
    {
        var shortValues = new WHV_REGISTER_VALUE[WhpRegisterConversion.StandardRegisterCount - 1];
        StandardRegisters standard = default;
        SpecialRegisters special = default;

        Assert.Throws<ArgumentException>(() => WhpRegisterConversion.ToValues(standard, shortValues));
        Assert.Throws<ArgumentException>(() => WhpRegisterConversion.FromValues(shortValues.AsSpan(0, 16), out standard));
        Assert.Throws<ArgumentException>(() => WhpRegisterConversion.ToValues(special, shortValues.AsSpan(0, 16)));
        Assert.Throws<ArgumentException>(() => WhpRegisterConversion.FromValues(shortValues.AsSpan(0, 16), out special));
    }

    private static StandardRegisters DistinctStandardRegisters() => new()
    {
        Rax = 0x0101_0101_0101_0100,
        Rbx = 0x0202_0202_0202_0200,
        Rcx = 0x0303_0303_0303_0300,
        Rdx = 0x0404_0404_0404_0400,
        Rsi = 0x0505_0505_0505_0500,
        Rdi = 0x0606_0606_0606_0600,
        Rsp = 0x0707_0707_0707_0700,
        Rbp = 0x0808_0808_0808_0800,
        R8 = 0x0909_0909_0909_0900,
        R9 = 0x0A0A_0A0A_0A0A_0A00,
        R10 = 0x0B0B_0B0B_0B0B_0B00,
        R11 = 0x0C0C_0C0C_0C0C_0C00,
        R12 = 0x0D0D_0D0D_0D0D_0D00,
        R13 = 0x0E0E_0E0E_0E0E_0E00,
        R14 = 0x0F0F_0F0F_0F0F_0F00,
        R15 = 0xF0F0_F0F0_F0F0_F000,
        Rip = 0xFFFF_FFFF_8000_1234,
        Rflags = 0x0000_0000_0020_0202, // ID, IF and the always-one bit 1
    };

    private static SpecialRegisters LongModeSpecialRegisters()
    {
        SegmentRegister data = Decode(FlatData32) with { Limit = 0xFFFF_FFFF };
        return new SpecialRegisters
        {
            Cs = Decode(Code64) with { Selector = 0x08, Limit = 0xFFFF_FFFF },
            Ds = data with { Selector = 0x10 },
            Es = data with { Selector = 0x18 },
            Ss = data with { Selector = 0x20 },
            Fs = data with { Selector = 0x28, Base = 0x7F00_1234_5000 },
            Gs = data with { Selector = 0x30, Base = 0xFFFF_8880_0000_0000 },
            Tr = Decode(BusyTss64) with { Selector = 0x40, Base = 0xFFFF_FE00_0000_3000, Limit = 0x67 },
            Ldt = Decode(0) with { Selector = 0 },
            Gdt = new TableRegister { Base = 0xFFFF_FE00_0000_1000, Limit = 0x7F },
            Idt = new TableRegister { Base = 0xFFFF_FE00_0000_0000, Limit = 0xFFF },
            Cr0 = 0x8001_0031, // PG, WP, NE, ET, PE
            Cr2 = 0x0000_7FFF_DEAD_B000,
            Cr3 = 0x0000_0001_2345_6000,
            Cr4 = 0x0000_06A0, // OSXMMEXCPT, OSFXSR, PGE, PAE
            Cr8 = 2,
            Efer = LongModeEfer,
            ApicBase = 0xFEE0_0900,
        };
    }

    private static SegmentRegister Decode(ushort attributes)
    {
        SegmentRegister segment = default;
        WhpRegisterConversion.DecodeSegmentAttributes(attributes, ref segment);
        return segment;
    }

    private static IEnumerable<SegmentRegister> AllCanonicalSegments()
    {
        for (int bits = 0; bits < 4096; bits++)
        {
            bool present = (bits & 0x20) != 0;
            yield return new SegmentRegister
            {
                Base = 0x1234_5678,
                Limit = 0xFFFFF,
                Selector = 0x2B,
                Type = (byte)(bits & 0xF),
                NonSystem = (bits & 0x10) != 0,
                Present = present,
                Dpl = (byte)((bits >> 6) & 3),
                Available = (bits & 0x100) != 0,
                Long = (bits & 0x200) != 0,
                DefaultBig = (bits & 0x400) != 0,
                Granularity = (bits & 0x800) != 0,
                Unusable = !present,
            };
        }
    }

    private static Dictionary<WHV_REGISTER_NAME, WHV_REGISTER_VALUE> ByName(
        ReadOnlySpan<WHV_REGISTER_NAME> names, WHV_REGISTER_VALUE[] values)
    {
        var map = new Dictionary<WHV_REGISTER_NAME, WHV_REGISTER_VALUE>();
        for (int i = 0; i < names.Length; i++)
        {
            map.Add(names[i], values[i]);
        }

        return map;
    }
}
