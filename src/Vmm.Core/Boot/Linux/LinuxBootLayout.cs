namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Where the Linux loader puts things in guest-physical memory. All of it is below 1 MiB, in RAM the kernel
/// keeps to itself until it has copied what it needs (boot_params and the command line are copied in
/// arch/x86/kernel/head64.c <c>copy_bootdata</c> before any allocation), and clear of the long-mode tables of
/// <see cref="X86.LongModeLayout"/> (0x1000-0x1EFFF).
/// </summary>
public static class LinuxBootLayout
{
    /// <summary>boot_params, the "zero page" (RSI at entry).</summary>
    public const ulong ZeroPage = 0x2_0000;

    /// <summary>The command line, NUL-terminated.</summary>
    public const ulong CommandLine = 0x2_1000;

    /// <summary>Room for the command line: [<see cref="CommandLine"/>, <see cref="BootStackBottom"/>).</summary>
    public const ulong CommandLineCapacity = BootStackBottom - CommandLine;

    /// <summary>Lowest byte of the stack the entry code may use before it switches to its own.</summary>
    public const ulong BootStackBottom = 0x3_0000;

    /// <summary>Initial RSP (16-byte aligned).</summary>
    public const ulong BootStackTop = 0x4_0000;

    /// <summary>End of conventional RAM: the top 1 KiB below 640 KiB is the MP-table area, reserved in e820.</summary>
    public const ulong ConventionalMemoryEnd = 0x9_FC00;

    /// <summary>The MP floating pointer, then the MP configuration table (mpparse.c scans [0x9FC00, 0xA0000)).</summary>
    public const ulong MpTable = ConventionalMemoryEnd;

    /// <summary>1 MiB: the legacy area [<see cref="ConventionalMemoryEnd"/>, 1 MiB) is reserved.</summary>
    public const ulong HighMemory = 0x10_0000;

    /// <summary>The lowest fixed device GPA (the KVM scratch slot); RAM stops here below 4 GiB.</summary>
    public const ulong DeviceHoleStart = Memory.GuestRamLayout.DeviceHoleStart;

    /// <summary>4 GiB: RAM resumes here.</summary>
    public const ulong DeviceHoleEnd = Memory.GuestRamLayout.DeviceHoleEnd;

    /// <summary>The most vCPUs the MP table describes (8-bit APIC ids, 0xFF is broadcast, one id for the I/O APIC).</summary>
    public const int MaxProcessors = 254;
}
