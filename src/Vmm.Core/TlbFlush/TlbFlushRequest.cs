using System.Diagnostics.CodeAnalysis;
using Vmm.Core.Vcpu;

namespace Vmm.Core.TlbFlush;

/// <summary>
/// One remote TLB-flush request: the target vCPUs, as every vCPU (<see cref="AllVcpus"/>) or a bitmap of vCPU
/// indices. The flush is always a full flush of each target's guest TLB, global translations included.
/// </summary>
/// <remarks>
/// <para>No GVA ranges: neither backend can flush single GVAs from userspace (KVM has no such ioctl and WHP no such
/// call; docs/tlb-flush.md#applying), so a range list would be carried only to be ignored. A full flush is a correct
/// answer to every flush hypercall: TLFS HvCallFlushVirtualAddressList lets the hypervisor flush more than the
/// listed GVAs, up to the whole address space, and HvCallFlushVirtualAddressSpace more than the named address space
/// (docs/hyperv.md#flush-guarantee). KVM's own handler (arch/x86/kvm/hyperv.c, kvm_hv_flush_tlb) likewise builds one
/// vCPU mask per call; it keeps a per-vCPU range FIFO only because the kernel can flush single GVAs, and turns its
/// overflow into a full flush (docs/hyperv.md#kvm-comparison).</para>
/// <para>Built once, on the requester's stack, by the hypercall handler; passed by <c>in</c> (it embeds a 512-byte
/// <see cref="VpBitmap"/>), so a request allocates nothing. Indices of vCPUs the machine does not have are ignored
/// by the engine.</para>
/// </remarks>
public struct TlbFlushRequest
{
    private VpBitmap _vcpus;

    /// <summary>True when every vCPU of the machine is a target.</summary>
    public bool AllVcpus { readonly get; private set; }

    /// <summary>The explicit targets, when not <see cref="AllVcpus"/>: fill them in place.</summary>
    [UnscopedRef]
    public ref VpBitmap Vcpus => ref _vcpus;

    /// <summary>A request for every vCPU.</summary>
    public static TlbFlushRequest All => new() { AllVcpus = true };

    /// <summary>A request for the vCPUs <paramref name="vcpus"/> (each in 0..4095).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..4095.</exception>
    public static TlbFlushRequest For(params ReadOnlySpan<int> vcpus)
    {
        var request = default(TlbFlushRequest);
        foreach (int vcpu in vcpus)
        {
            request._vcpus.Add(vcpu);
        }

        return request;
    }

    /// <summary>Number of targets in a machine of <paramref name="vcpuCount"/> vCPUs.</summary>
    public readonly int CountIn(int vcpuCount)
    {
        int count = 0;
        foreach (int vcpu in TargetsIn(vcpuCount))
        {
            count++;
        }

        return count;
    }

    /// <summary>The target vCPU indices below <paramref name="vcpuCount"/>, ascending, without allocating.</summary>
    [UnscopedRef]
    public readonly Targets TargetsIn(int vcpuCount) => new(_vcpus.AsWords, vcpuCount, AllVcpus);

    /// <summary>"all" or the vCPU list, e.g. "{0,2,4}" (for traces and test messages).</summary>
    public override readonly string ToString()
    {
        if (AllVcpus)
        {
            return "all";
        }

        var list = new List<int>();
        foreach (int vcpu in _vcpus)
        {
            list.Add(vcpu);
        }

        return "{" + string.Join(',', list) + "}";
    }

    /// <summary>Yields 0..n − 1 for an all-vCPU request, else the set bits below n.</summary>
    public ref struct Targets
    {
        private readonly int _vcpuCount;
        private readonly bool _all;
        private VpBitmap.Enumerator _bits;

        internal Targets(ReadOnlySpan<ulong> words, int vcpuCount, bool all)
        {
            _vcpuCount = vcpuCount;
            _all = all;
            _bits = new VpBitmap.Enumerator(words);
            Current = -1;
        }

        /// <summary>The current vCPU index.</summary>
        public int Current { get; private set; }

        /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
        public readonly Targets GetEnumerator() => this;

        /// <summary>Moves to the next target.</summary>
        public bool MoveNext()
        {
            if (_all)
            {
                Current++;
                return Current < _vcpuCount;
            }

            if (!_bits.MoveNext() || _bits.Current >= _vcpuCount)
            {
                return false;
            }

            Current = _bits.Current;
            return true;
        }
    }
}
