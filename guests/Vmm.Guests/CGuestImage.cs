using System.Buffers.Binary;
using System.Text;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.X86;

namespace Vmm.Guests;

/// <summary>
/// Turns a built-in C guest (an ELF test kernel compiled from guests/c at build time and embedded in this
/// assembly) into a <see cref="GuestImage"/>: its segments flattened from <see cref="LongModeLayout.ImageBase"/>,
/// with the parameter page the guest reads at the image base filled in (docs/guests-in-c.md, "Parameter page").
/// </summary>
public static class CGuestImage
{
    /// <summary>"VMCG": the parameter page is valid.</summary>
    public const uint ParamsMagic = 0x4743_4D56;

    /// <summary>Size of the argument block at the end of the parameter page.</summary>
    public const int ArgumentBytes = 2048;

    /// <summary>Where guests/c/lib/link.ld places the 256 exception stubs, 16 bytes per vector.</summary>
    public const ulong ExceptionStubs = LongModeLayout.ImageBase + 0x2000;

    private const int VpIndexOffset = 32;
    private const int ArgumentsOffset = VpIndexOffset + (4 * LongModeLayout.MaxProcessors);

    /// <summary>The embedded ELF of the C guest <paramref name="name"/> (guests/c/NAME).</summary>
    /// <exception cref="InvalidOperationException">The build did not embed it.</exception>
    public static byte[] LoadElf(string name)
    {
        using Stream? stream = typeof(CGuestImage).Assembly.GetManifestResourceStream($"Vmm.Guests.C.{name}.elf");
        if (stream is null)
        {
            throw new InvalidOperationException($"the C guest '{name}' was not built into Vmm.Guests (guests/c/{name}).");
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Where the free memory after C guest <paramref name="name"/> starts: the end of its last segment (with
    /// .bss) rounded up to a page, the address guests/c/lib/link.ld names <c>guest_image_end</c>.
    /// </summary>
    public static ulong End(string name)
    {
        var elf = new ElfKernelLoader(LoadElf(name), name);
        return (elf.Segments.Max(s => s.PhysicalEnd) + 0xFFF) & ~0xFFFUL;
    }

    /// <summary>
    /// Builds the image of C guest <paramref name="name"/> for <paramref name="context"/>; the guest reads
    /// <paramref name="arguments"/> (the values after the C# side checked them and filled in defaults) or, without
    /// them, the `--guest-arg` values as given.
    /// </summary>
    public static GuestImage Build(string name, GuestBuildContext context, IReadOnlyDictionary<string, string>? arguments = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        byte[] file = LoadElf(name);
        var elf = new ElfKernelLoader(file, name);
        ulong end = elf.Segments.Max(s => s.PhysicalEnd);
        byte[] flat = new byte[checked((int)(end - LongModeLayout.ImageBase))];
        foreach (ElfLoadSegment s in elf.Segments)
        {
            file.AsSpan((int)s.FileOffset, (int)s.FileSize).CopyTo(flat.AsSpan((int)(s.PhysicalAddress - LongModeLayout.ImageBase)));
        }

        WriteParameters(flat.AsSpan(0, 4096), context, arguments ?? context.ArgumentNames.ToDictionary(k => k, context.GetArgument));
        // The IDT points at the library's stubs before the guest starts: writing 256 gates per vCPU is a loop of
        // emulated CPL0 instructions on PVM hosts (docs/kvm-host.md#pvm-hosts).
        var gates = Enumerable.Range(0, 256).ToDictionary(v => (byte)v, v => ExceptionStubs + (16UL * (ulong)v));
        return new GuestImage(LongModeLayout.ImageBase, flat, elf.Entry, gates);
    }

    /// <summary>Fills the parameter page (struct guest_params in guests/c/lib/guest.h).</summary>
    private static void WriteParameters(Span<byte> page, GuestBuildContext context, IReadOnlyDictionary<string, string> arguments)
    {
        page.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(page, ParamsMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(page[4..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(page[8..], (uint)context.ProcessorCount);
        BinaryPrimitives.WriteUInt32LittleEndian(page[12..], (uint)context.HyperV.Features);
        BinaryPrimitives.WriteUInt32LittleEndian(page[16..], context.HyperV.SpinlockRetryCount);
        BinaryPrimitives.WriteUInt64LittleEndian(page[24..], context.MemorySize);
        for (int i = 0; i < context.VpIndices.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(page[(VpIndexOffset + (4 * i))..], (uint)context.VpIndices[i]);
        }

        int at = ArgumentsOffset;
        foreach ((string key, string value) in arguments)
        {
            byte[] pair = Encoding.ASCII.GetBytes($"{key}={value}\0");
            if (at + pair.Length >= ArgumentsOffset + ArgumentBytes)
            {
                throw new ArgumentException($"the guest arguments exceed {ArgumentBytes} bytes.");
            }

            pair.CopyTo(page[at..]);
            at += pair.Length;
        }
    }
}
