using Vmm.Core.Boot.Elf;

namespace Vmm.Host.Cli;

/// <summary>
/// The file `--kernel` names, read and classified once: a Linux kernel (bzImage, or vmlinux with a Linux or PVH
/// note), loaded by the Linux boot protocol with `--initrd` and `--append`, or an ELF64 test kernel (README, "Test
/// kernels").
/// </summary>
internal sealed record KernelFile(string Path, string Name, byte[] Image, ElfKernelLoader? TestKernel)
{
    /// <summary>True for a Linux bzImage or vmlinux.</summary>
    public bool IsLinux => TestKernel is null;
}
