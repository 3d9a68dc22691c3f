using Xunit;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests;

public sealed class WhpRegisterBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(18)]
    [InlineData(WhpRegisterBuffer.DefaultCapacity)]
    [InlineData(1000)]
    public unsafe void Both_arrays_are_16_byte_aligned_and_zeroed(int capacity)
    {
        using var buffer = new WhpRegisterBuffer(capacity);

        // WHV_REGISTER_VALUE is DECLSPEC_ALIGN(16), WinHvPlatformDefs.h line 845.
        Assert.Equal(0, (nint)buffer.ValuesPointer % 16);
        Assert.Equal(0, (nint)buffer.NamesPointer % 16);
        Assert.Equal(capacity, buffer.Names.Length);
        Assert.Equal(capacity, buffer.Values.Length);
        Assert.All(buffer.Names.ToArray(), n => Assert.Equal(0u, (uint)n));
        Assert.All(buffer.Values.ToArray(), v => Assert.Equal((0UL, 0UL), (v.Reg128.Low64, v.Reg128.High64)));
    }

    [Fact]
    public unsafe void Spans_and_pointers_address_the_same_memory()
    {
        using var buffer = new WhpRegisterBuffer(4);

        buffer.Values[3].Reg64 = 0x1234;
        buffer.Names[2] = WHV_REGISTER_NAME.WHvX64RegisterCr3;

        Assert.Equal(0x1234UL, buffer.ValuesPointer[3].Reg64);
        Assert.Equal(WHV_REGISTER_NAME.WHvX64RegisterCr3, buffer.NamesPointer[2]);
    }

    [Fact]
    public void Load_copies_the_names_and_clears_the_values_it_covers()
    {
        using var buffer = new WhpRegisterBuffer(WhpRegisterConversion.SpecialRegisterCount + 1);
        buffer.Values.Fill(new WHV_REGISTER_VALUE { Reg128 = new WHV_UINT128(ulong.MaxValue, ulong.MaxValue) });

        int count = buffer.Load(WhpRegisterConversion.SpecialRegisterNames);

        Assert.Equal(WhpRegisterConversion.SpecialRegisterCount, count);
        Assert.Equal(WhpRegisterConversion.SpecialRegisterNames.ToArray(), buffer.Names[..count].ToArray());
        Assert.All(buffer.Values[..count].ToArray(), v => Assert.Equal(0UL, v.Reg128.Low64 | v.Reg128.High64));
        Assert.Equal(ulong.MaxValue, buffer.Values[count].Reg64);
    }

    [Fact]
    public void Load_rejects_more_names_than_fit()
    {
        using var buffer = new WhpRegisterBuffer(WhpRegisterConversion.StandardRegisterCount - 1);

        Assert.Throws<ArgumentException>(() => buffer.Load(WhpRegisterConversion.StandardRegisterNames));
    }

    [Fact]
    public void Conversions_work_directly_on_the_native_arrays()
    {
        using var buffer = new WhpRegisterBuffer();
        var original = new Vmm.Core.Registers.StandardRegisters { Rax = 1, R15 = 15, Rip = 0x1000, Rflags = 2 };

        int count = buffer.Load(WhpRegisterConversion.StandardRegisterNames);
        WhpRegisterConversion.ToValues(original, buffer.Values[..count]);
        WhpRegisterConversion.FromValues(buffer.Values[..count], out Vmm.Core.Registers.StandardRegisters back);

        Assert.Equal(original, back);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Capacity_must_be_positive(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WhpRegisterBuffer(capacity));
    }

    [Fact]
    public unsafe void Disposed_buffer_refuses_access_and_tolerates_a_second_dispose()
    {
        var buffer = new WhpRegisterBuffer(2);
        buffer.Dispose();
        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.Values.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.Names.Length);
        Assert.Throws<ObjectDisposedException>(() => (nint)buffer.ValuesPointer);
        Assert.Throws<ObjectDisposedException>(() => (nint)buffer.NamesPointer);
    }
}
