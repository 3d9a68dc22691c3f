using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Boot.X86;
using Vmm.Guests;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// What a guest needs from the configuration, checked before any hypervisor is opened: a built-in guest is
/// assembled once (assembly is pure: it reads its arguments, vCPU count, RAM and profile and refuses what it cannot
/// run), and a test kernel's segments are placed against the same layout the loader uses (README, "The guest
/// environment" and "Test kernels").
/// </summary>
internal static class GuestPreflight
{
    /// <summary>The loader for <paramref name="guest"/>, or null with the reasons it cannot run added to <paramref name="errors"/>.</summary>
    public static BuiltInGuestLoader? CheckBuiltIn(
        IBuiltInGuest guest, IReadOnlyDictionary<string, string> arguments, int cpus, ulong memory, HyperVFeatureProfile profile, int[]? vpIndices, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(errors);
        BuiltInGuestLoader loader;
        try
        {
            loader = new BuiltInGuestLoader(guest, arguments, profile, vpIndices);
            _ = guest.Build(new GuestBuildContext(cpus, memory, arguments, profile, vpIndices));
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message.TrimEnd('.'));
            return null;
        }

        // BuiltInGuestLoader.Load's own check: a built-in guest's code (64 KiB at the image base) and data (the next
        // 64 KiB) must end below the per-vCPU stacks.
        ulong dataEnd = LongModeLayout.ImageBase + 0x2_0000;
        if (dataEnd > LongModeLayout.StacksBottom(memory, cpus))
        {
            errors.Add($"guest '{guest.Name}' with {cpus} vCPUs needs more memory than {SizeParser.Format(memory)} (the vCPU stacks would overlap the image)");
            return null;
        }

        return loader;
    }

    /// <summary>
    /// The Linux loader for <paramref name="kernel"/> with its initrd and command line, or null with the reason it
    /// cannot boot in <paramref name="memory"/> bytes with <paramref name="cpus"/> vCPUs added to <paramref name="errors"/>
    /// (the setup header, the command-line length, RAM for init_size and the initrd: LinuxKernelLoader).
    /// </summary>
    public static LinuxKernelLoader? CheckLinux(KernelFile kernel, string? initrdPath, string? commandLine, ulong memory, int cpus, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            byte[]? initrd = initrdPath is null ? null : FileChecks.ReadInput(initrdPath, "--initrd", RunOptions.MaxInputBytes);
            var loader = new LinuxKernelLoader(kernel.Image, kernel.Name, initrd, commandLine);
            _ = loader.CheckFits(memory, cpus);
            return loader;
        }
        catch (Exception e) when (e is KernelLoadException or UsageException)
        {
            errors.Add($"--kernel '{kernel.Path}': {e.Message}");
            return null;
        }
    }

    /// <summary>Why <paramref name="kernel"/>'s segments do not fit <paramref name="memory"/> bytes with <paramref name="cpus"/> vCPUs.</summary>
    public static IEnumerable<string> CheckKernel(ElfKernelLoader kernel, ulong memory, int cpus)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ulong stacks = LongModeLayout.StacksBottom(memory, cpus);
        foreach (ElfLoadSegment s in kernel.Segments)
        {
            string where = $"--kernel '{kernel.Name}': segment {s.Index} (physical 0x{s.PhysicalAddress:X}-0x{s.PhysicalEnd - 1:X})";
            if (s.PhysicalAddress < LongModeLayout.ImageBase)
            {
                yield return $"{where} overlaps the VMM's long-mode tables below 0x{LongModeLayout.ImageBase:X}: link it at 0x{LongModeLayout.ImageBase:X} or above";
            }
            else if (s.PhysicalEnd > memory)
            {
                yield return $"{where} ends beyond guest RAM ({SizeParser.Format(memory)}): give more --memory";
            }
            else if (s.PhysicalEnd > stacks)
            {
                yield return $"{where} overlaps the vCPU stacks at the top of RAM (from 0x{stacks:X}: 32 KiB for each of {cpus} vCPUs): give more --memory or fewer --cpus";
            }
        }
    }
}
