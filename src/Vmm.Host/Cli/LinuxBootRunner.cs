namespace Vmm.Host.Cli;

/// <summary>Who boots the guest in `vmm bench linux-boot`.</summary>
internal enum LinuxBootRunner
{
    /// <summary>`vmm run` as a child process, timed from its start like QEMU (the .NET start included).</summary>
    Vmm,

    /// <summary>QEMU with KVM as a child process.</summary>
    Qemu,

    /// <summary>A machine built inside the benchmark process (`--in-process`): vmm without the .NET start and JIT of a new process.</summary>
    VmmInProcess,
}
