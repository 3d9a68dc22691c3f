using System.Buffers.Binary;

namespace Vmm.Core.Tests.Boot.Linux;

/// <summary>
/// Builds small synthetic bzImages whose setup header carries the values measured in Debian's
/// linux-image-6.1.0-57-amd64 vmlinuz (boot protocol 2.15, setup_sects 39, header end 0x26C, ...), with a
/// tiny protected-mode part instead of the real decompressor.
/// </summary>
internal static class TestBzImage
{
    public const int SetupSects = 39;
    public const ushort Version = 0x020F;
    public const byte JumpDisplacement = 0x6A;                      // header end = 0x202 + 0x6A = 0x26C
    public const uint InitrdAddrMax = 0x7FFF_FFFF;
    public const uint KernelAlignment = 0x20_0000;
    public const ushort XLoadFlags = 0x7F;
    public const uint CmdlineSize = 0x7FF;
    public const uint PayloadOffset = 0x2CC;
    public const ulong PrefAddress = 0x100_0000;
    public const uint InitSize = 0x3F9_8000;
    public const int ProtectedModeSize = 0x2000;

    public static int ProtectedModeOffset => (SetupSects + 1) * 512;

    public static byte[] Build(Action<Span<byte>>? patch = null)
    {
        var f = new byte[ProtectedModeOffset + ProtectedModeSize];
        Span<byte> s = f;
        s[0x1EF] = 0xFF;                                               // the sentinel a real image carries
        s[0x1F1] = SetupSects;
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x1FE..], 0xAA55);
        s[0x200] = 0xEB;                                               // jmp short over the header
        s[0x201] = JumpDisplacement;
        "HdrS"u8.CopyTo(s[0x202..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x206..], Version);
        s[0x211] = 0x01;                                               // loadflags: LOADED_HIGH
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x214..], 0x10_0000); // code32_start
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x22C..], InitrdAddrMax);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x230..], KernelAlignment);
        s[0x234] = 1;                                                  // relocatable_kernel
        s[0x235] = 21;                                                 // min_alignment
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x236..], XLoadFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x238..], CmdlineSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x248..], PayloadOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x24C..], 0x100);  // payload_length (Debian: 0x7BEFE4)
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x258..], PrefAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x260..], InitSize);
        s[0x26C..0x290].Fill(0xEE);                                    // past the header: must never be copied
        for (int i = 0; i < ProtectedModeSize; i++)
        {
            f[ProtectedModeOffset + i] = (byte)(i * 7);
        }

        patch?.Invoke(s);
        return f;
    }
}
