using System.Buffers.Binary;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.X86;
using Vmm.Core.Memory;
using static Vmm.Core.Tests.Boot.Elf.TestElf;

namespace Vmm.Core.Tests.Boot.Elf;

public sealed class ElfKernelLoaderFuzzTests
{
    private const int Iterations = 20_000;
    private const int Seed = 0x454C46;   // fixed: a failure names its iteration and reproduces
    private const ulong Memory = 16UL << 20;

    private static readonly ulong[] Interesting =
    [
        0, 1, 7, 8, 0x38, 0x40, 0xFFF, 0x1000, 0x10_0000, 0x20_0000, Memory - 1, Memory, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF_FFFF, 0x1_0000_0000, long.MaxValue, 1UL << 63, ulong.MaxValue - 0x1000, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    [Fact]
    public void MutatedFilesEitherLoadOrThrowKernelLoadException()
    {
        byte[] original = Standard()
            .Notes(4, ("GNU", 3, new byte[20]), ("Xen", 6, "linux\0"u8.ToArray()))
            .Notes(8, ("GNU", 5, new byte[16]))
            .Load(0x40_0000, [1, 2, 3, 4], memorySize: 0x2000)
            .Build();
        int headerBytes = Phdr(5);
        var random = new Random(Seed);
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        int loaded = 0;
        int rejected = 0;
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            byte[] file = Mutate(original, headerBytes, random);
            int cpus = 1 + random.Next(4);
            ElfKernelLoader? loader = null;
            LongModeBootPlan? plan = null;
            Exception? error = Record.Exception(() =>
            {
                loader = new ElfKernelLoader(file, "fuzz.elf");
                plan = (LongModeBootPlan)loader.Load(memory, cpus);
            });
            if (error is KernelLoadException)
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
                rejected++;
                continue;
            }

            if (error is not null)
            {
                Assert.Fail($"iteration {iteration} (seed 0x{Seed:X}): {error.GetType().Name} escaped: {error.Message}\n"
                    + $"file: {Convert.ToHexString(file.AsSpan(0, Math.Min(file.Length, 512)))}");
            }

            // A file that loads honours the placement rules.
            foreach (ElfLoadSegment s in loader!.Segments)
            {
                Assert.InRange(s.PhysicalAddress, LongModeLayout.ImageBase, plan!.Environment.ImageLimit - 1);
                Assert.InRange(s.PhysicalEnd, s.PhysicalAddress + 1, plan.Environment.ImageLimit);
            }

            Assert.Contains(loader.Segments, s => plan!.Entry >= s.PhysicalAddress && plan.Entry < s.PhysicalEnd);
            loaded++;
        }

        // Both outcomes must be common, or the mutations are not exercising the loader.
        Assert.InRange(loaded, Iterations / 20, Iterations);
        Assert.InRange(rejected, Iterations / 20, Iterations);
    }

    private static byte[] Mutate(byte[] original, int headerBytes, Random random)
    {
        byte[] file = [.. original];
        int rounds = 1 + random.Next(3);
        for (int r = 0; r < rounds; r++)
        {
            switch (random.Next(6))
            {
                case 0:   // flip bits anywhere
                    for (int n = 1 + random.Next(4); n > 0 && file.Length > 0; n--)
                    {
                        file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1:   // random bytes in the headers
                    for (int n = 1 + random.Next(4); n > 0 && file.Length > 0; n--)
                    {
                        file[random.Next(Math.Min(headerBytes, file.Length))] = (byte)random.Next(256);
                    }

                    break;
                case 2:   // truncate
                    file = file[..random.Next(file.Length + 1)];
                    break;
                case 3:   // a huge or boundary 64-bit value in an 8-byte field (e_entry, e_phoff, p_offset .. p_align)
                    WriteField(file, Field64(random), Pick(random), 8);
                    break;
                case 4:   // a boundary value in a 16- or 32-bit field (e_type .. e_phnum, p_type, p_flags, note sizes)
                    int at = random.Next(2) == 0 ? Field16(random) : Field32(random, original);
                    WriteField(file, at, Pick(random), at < TestElf.HeaderSize && at != EVersion ? 2 : 4);
                    break;
                default:   // a small nudge to an address or size, near the interesting edges
                    int field = Field64(random);
                    if (field + 8 <= file.Length)
                    {
                        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(field));
                        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(field), value + (ulong)(random.Next(0x4001) - 0x2000));
                    }

                    break;
            }
        }

        return file;
    }

    private static ulong Pick(Random random) => random.Next(4) == 0
        ? (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63)
        : Interesting[random.Next(Interesting.Length)];

    private static int Field64(Random random)
    {
        int phdr = random.Next(6);
        return phdr == 5
            ? (random.Next(2) == 0 ? EEntry : EPhoff)
            : Phdr(phdr) + (8 * (1 + random.Next(6)));   // p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
    }

    private static int Field16(Random random) => random.Next(4) switch
    {
        0 => EType,
        1 => EMachine,
        2 => EPhentsize,
        _ => EPhnum,
    };

    private static int Field32(Random random, byte[] original) => random.Next(4) switch
    {
        0 => EVersion,
        1 => Phdr(random.Next(5)) + (4 * random.Next(2)),                        // p_type, p_flags
        2 => SegmentOffset(original, 2) + (4 * random.Next(3)),                  // first 4-aligned note's header
        _ => SegmentOffset(original, 3) + (4 * random.Next(3)),                  // the 8-aligned note's header
    };

    private static void WriteField(byte[] file, int offset, ulong value, int size)
    {
        if (offset + size > file.Length)
        {
            return;
        }

        Span<byte> f = file.AsSpan(offset, size);
        switch (size)
        {
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(f, (ushort)value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(f, (uint)value);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(f, value);
                break;
        }
    }
}
