using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Kvm.Interop;
using Vmm.Kvm.Interop.Types;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>The Linux KVM backend: /dev/kvm, queried once for capabilities and the supported CPUID.</summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class KvmHypervisor : IHypervisor
{
    /// <summary>The device node this backend opens.</summary>
    public const string DevicePath = "/dev/kvm";

    private readonly KvmFileDescriptor _kvm;
    private readonly int _vcpuMmapSize;
    private HypervisorCapabilities? _capabilities;

    private KvmHypervisor(KvmFileDescriptor kvm)
    {
        _kvm = kvm;
        int version = Libc.Ioctl(kvm.Fd, KvmIoctl.KVM_GET_API_VERSION, 0);
        if (version != KvmConstants.KVM_API_VERSION)
        {
            throw new HypervisorUnavailableException($"{DevicePath} speaks KVM API version {version}; vmm needs {KvmConstants.KVM_API_VERSION}.");
        }

        _vcpuMmapSize = KvmFileDescriptor.Check(Libc.Ioctl(kvm.Fd, KvmIoctl.KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
        foreach ((int cap, string name) in RequiredCapabilities)
        {
            if (CheckExtension(cap) <= 0)
            {
                throw new HypervisorUnavailableException($"{DevicePath} lacks {name}, which vmm needs.");
            }
        }
    }

    /// <inheritdoc />
    public string Name => "kvm";

    /// <inheritdoc />
    public HypervisorCapabilities Capabilities => _capabilities ??= QueryCapabilities();

    /// <summary>Which kernel module serves /dev/kvm (read once from /sys/module).</summary>
    public KvmFlavor Flavor { get; } = DetectFlavor();

    /// <summary>True when this host's CPU is itself virtual (CPUID.1:ECX[31], "hypervisor" in /proc/cpuinfo): KVM is then nested.</summary>
    public static bool IsNested => File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ').Contains("hypervisor"));

    internal int VcpuMmapSize => _vcpuMmapSize;

    /// <summary>
    /// Where RIP stands when a port-I/O exit reaches userspace, learned at the first exit this process completes
    /// explicitly (<see cref="KvmVirtualProcessor"/>): 0 not known yet, 1 past the instruction (PVM), 2 still at it
    /// (upstream KVM). Learned rather than assumed from <see cref="Flavor"/> so an unknown flavour is still right.
    /// </summary>
    internal int PortIoRipState;

    internal int Fd => _kvm.Fd;

    private static (int Cap, string Name)[] RequiredCapabilities =>
    [
        (KvmConstants.KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"),
        (KvmConstants.KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"),
        (KvmConstants.KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"),
        (KvmConstants.KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"),
        (KvmConstants.KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"),
    ];

    /// <summary>Whether /dev/kvm exists and can be opened read-write, with the reason when not.</summary>
    public static bool IsAvailable(out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "KVM needs Linux.";
            return false;
        }

        if (!File.Exists(DevicePath))
        {
            reason = $"{DevicePath} does not exist (no KVM on this machine, or the kvm module is not loaded).";
            return false;
        }

        int fd = Libc.Open(DevicePath, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            reason = $"cannot open {DevicePath}: {Libc.ErrorMessage(errno)}" + (errno == Libc.EACCES ? " (add the user to the kvm group)" : string.Empty);
            return false;
        }

        int version = Libc.Ioctl(fd, KvmIoctl.KVM_GET_API_VERSION, 0);
        _ = Libc.Close(fd);
        if (version != KvmConstants.KVM_API_VERSION)
        {
            reason = $"{DevicePath} is not a KVM device speaking API version {KvmConstants.KVM_API_VERSION} (got {version})";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    /// <summary>Opens /dev/kvm.</summary>
    /// <exception cref="HypervisorUnavailableException">KVM is missing, unusable, or too old.</exception>
    public static KvmHypervisor Open()
    {
        if (!IsAvailable(out string reason))
        {
            throw new HypervisorUnavailableException(reason);
        }

        int fd = Libc.Open(DevicePath, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new HypervisorUnavailableException($"cannot open {DevicePath}: {Libc.ErrorMessage(errno)}");
        }

        var handle = new KvmFileDescriptor(fd);
        try
        {
            return new KvmHypervisor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public CpuidTable GetSupportedCpuid()
    {
        // KVM_GET_SUPPORTED_CPUID fails with E2BIG until the buffer is large enough (api.rst 4.46).
        for (int capacity = 128; capacity <= 4096; capacity *= 2)
        {
            int bytes = sizeof(kvm_cpuid2) + (capacity * sizeof(kvm_cpuid_entry2));
            byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
            try
            {
                // SAFETY: buffer holds the header plus `capacity` entries, as nent tells the kernel.
                var header = (kvm_cpuid2*)buffer;
                header->nent = (uint)capacity;
                if (Libc.Ioctl(_kvm.Fd, KvmIoctl.KVM_GET_SUPPORTED_CPUID, buffer) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.E2BIG)
                    {
                        continue;
                    }

                    throw KvmFileDescriptor.Error("KVM_GET_SUPPORTED_CPUID", errno);
                }

                var entries = new List<CpuidEntry>((int)header->nent);
                var e = (kvm_cpuid_entry2*)(buffer + sizeof(kvm_cpuid2));
                for (int i = 0; i < header->nent; i++)
                {
                    entries.Add(new CpuidEntry(
                        e[i].function,
                        e[i].index,
                        (e[i].flags & KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0,
                        e[i].eax,
                        e[i].ebx,
                        e[i].ecx,
                        e[i].edx));
                }

                // KVM never reports the TSC-deadline timer (CPUID.1:ECX[24]) as supported; userspace may set it when
                // KVM_CAP_TSC_DEADLINE_TIMER is present and the LAPIC is in-kernel (api.rst KVM_GET_SUPPORTED_CPUID),
                // which ours always is. Linux then needs no timer calibration (apic.c calibrate_APIC_clock).
                if (CheckExtension(KvmConstants.KVM_CAP_TSC_DEADLINE_TIMER) > 0)
                {
                    int leaf1 = entries.FindIndex(x => x.Function == 1);
                    if (leaf1 >= 0)
                    {
                        entries[leaf1] = entries[leaf1] with { Ecx = entries[leaf1].Ecx | (1u << 24) };
                    }
                }

                return new CpuidTable(entries);
            }
            finally
            {
                // SAFETY: allocated above with NativeMemory.AllocZeroed; freed once.
                NativeMemory.Free(buffer);
            }
        }

        throw new HypervisorException("KVM_GET_SUPPORTED_CPUID needs more than 4096 entries.");
    }

    /// <inheritdoc />
    public HostMemoryBlock AllocateGuestMemory(ulong size) => KvmHostMemoryBlock.Allocate(size);

    /// <inheritdoc />
    public IPartition CreatePartition(PartitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new KvmPartition(this, options);
    }

    /// <summary>The flavour of the module that registered /dev/kvm: kvm_pvm, kvm_intel or kvm_amd (one at a time serves it).</summary>
    public static KvmFlavor DetectFlavor()
    {
        if (Directory.Exists("/sys/module/kvm_pvm"))
        {
            return KvmFlavor.Pvm;
        }

        if (Directory.Exists("/sys/module/kvm_intel"))
        {
            return KvmFlavor.Vmx;
        }

        return Directory.Exists("/sys/module/kvm_amd") ? KvmFlavor.Svm : KvmFlavor.Unknown;
    }

    /// <summary>A short label of a flavour for `vmm info` and run summaries, e.g. "PVM (kvm_pvm)" or "SVM (kvm_amd), nested".</summary>
    public static string Describe(KvmFlavor flavor, bool nested) => flavor switch
    {
        KvmFlavor.Pvm => "PVM (kvm_pvm)",
        KvmFlavor.Vmx => "VMX (kvm_intel)" + (nested ? ", nested" : string.Empty),
        KvmFlavor.Svm => "SVM (kvm_amd)" + (nested ? ", nested" : string.Empty),
        _ => "unknown KVM module",
    };

    /// <summary>KVM_CHECK_EXTENSION on /dev/kvm.</summary>
    internal int CheckExtension(int capability) => Libc.Ioctl(_kvm.Fd, KvmIoctl.KVM_CHECK_EXTENSION, capability);

    /// <inheritdoc />
    public void Dispose() => _kvm.Dispose();

    private HypervisorCapabilities QueryCapabilities()
    {
        int recommended = CheckExtension(KvmConstants.KVM_CAP_NR_VCPUS);
        int max = CheckExtension(KvmConstants.KVM_CAP_MAX_VCPUS);
        var features = new SortedDictionary<string, bool>(StringComparer.Ordinal)
        {
            ["irqchip"] = CheckExtension(KvmConstants.KVM_CAP_IRQCHIP) > 0,
            ["immediate-exit"] = CheckExtension(KvmConstants.KVM_CAP_IMMEDIATE_EXIT) > 0,
            ["sync-regs"] = CheckExtension(KvmConstants.KVM_CAP_SYNC_REGS) > 0,
            ["user-space-msr"] = CheckExtension(KvmConstants.KVM_CAP_X86_USER_SPACE_MSR) > 0,
            ["msr-filter"] = CheckExtension(KvmConstants.KVM_CAP_X86_MSR_FILTER) > 0,
            ["signal-msi"] = CheckExtension(KvmConstants.KVM_CAP_SIGNAL_MSI) > 0,
            ["pit2"] = CheckExtension(KvmConstants.KVM_CAP_PIT2) > 0,
            ["tsc-khz"] = CheckExtension(KvmConstants.KVM_CAP_GET_TSC_KHZ) > 0,
        };
        return new HypervisorCapabilities
        {
            Backend = Name,
            Version = $"KVM API {KvmConstants.KVM_API_VERSION}, kernel {Environment.OSVersion.Version}, vCPU recommended {recommended}, max {max}, memory slots {CheckExtension(KvmConstants.KVM_CAP_NR_MEMSLOTS)}",
            Platform = Describe(Flavor, IsNested),
            ReportsPreemptedProcessors = Flavor is KvmFlavor.Vmx or KvmFlavor.Svm, // docs/kvm-host.md#preempted
            HostProcessorCount = Environment.ProcessorCount,
            MaxProcessorCount = max > 0 ? max : Math.Max(recommended, 1),
            Features = features,
        };
    }
}
