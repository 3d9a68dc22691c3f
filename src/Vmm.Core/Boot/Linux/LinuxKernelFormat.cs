namespace Vmm.Core.Boot.Linux;

/// <summary>How a Linux kernel file is packaged.</summary>
public enum LinuxKernelFormat
{
    /// <summary>A bzImage: setup code, then the protected-mode kernel (decompressor and compressed payload), entered at +0x200.</summary>
    BzImage,

    /// <summary>The uncompressed kernel proper as an ELF file, entered at <c>e_entry</c> (<c>startup_64</c>).</summary>
    Vmlinux,
}
