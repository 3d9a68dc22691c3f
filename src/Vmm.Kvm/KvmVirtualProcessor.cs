using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Registers;
using Vmm.Kvm.Interop;
using Vmm.Kvm.Interop.Types;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>
/// A KVM vCPU: its fd, its mmap'd kvm_run page, and the exit servicing. Registers travel through the
/// kvm_run sync area (KVM_CAP_SYNC_REGS) after an exit, which saves two vCPU ioctls of about 6.5 µs each
/// on this host (docs/kvm-host.md#pvm-hosts).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class KvmVirtualProcessor : IVirtualProcessor
{
    private const uint MsrKvmStealTime = 0x4B56_4D03;
    private const byte KvmVcpuPreempted = 1 << 0;
    private const byte KvmVcpuFlushTlb = 1 << 1;

    private static readonly int s_processId = Libc.GetPid();

    private readonly KvmHypervisor _hypervisor;
    private readonly KvmFileDescriptor _vcpu;
    private readonly kvm_run* _run;
    private readonly int _runSize;
    private readonly Lock _threadLock = new();
    private int _threadId;
    private readonly KvmHypercallIo _hypercallIo;
    private byte* _stealTimePreempted;
    private uint* _stealTimeVersion;
    private ulong _stealTimeMsr;
    private uint _stealTimeVersionSeen;
    private long _stealTimeRearms;
    private readonly bool _hypercallsEnabled;
    private bool _syncRegsValid;
    private bool _exitPending;
    private int _kickSequence;
    private bool _disposed;

    public KvmVirtualProcessor(KvmHypervisor hypervisor, KvmPartition partition, int index, CpuidTable cpuid, bool hypercallsEnabled, VcpuStartMode start = VcpuStartMode.Running)
    {
        Index = index;
        _hypervisor = hypervisor;
        _hypercallsEnabled = hypercallsEnabled;
        _vcpu = new KvmFileDescriptor(KvmFileDescriptor.Check(Libc.Ioctl(partition.Fd, KvmIoctl.KVM_CREATE_VCPU, index), "KVM_CREATE_VCPU"));
        _runSize = hypervisor.VcpuMmapSize;
        nint run = Libc.Mmap(0, (nuint)_runSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, _vcpu.Fd, 0);
        if (run == Libc.MAP_FAILED)
        {
            int errno = Marshal.GetLastPInvokeError();
            _vcpu.Dispose();
            throw KvmFileDescriptor.Error("mmap(kvm_run)", errno);
        }

        _run = (kvm_run*)run;
        _hypercallIo = new KvmHypercallIo(this, _run);
        try
        {
            SetCpuid(cpuid);

            // With the in-kernel irqchip, application processors start in KVM_MP_STATE_UNINITIALIZED and
            // wait for INIT/SIPI; built-in guests start every vCPU directly in long mode
            // (docs/kvm-host.md#long-mode-and-cpuid), an OS (Linux) starts its APs itself.
            if (index > 0 && start == VcpuStartMode.Running)
            {
                uint state = KvmConstants.KVM_MP_STATE_RUNNABLE;
                KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_MP_STATE, &state), "KVM_SET_MP_STATE");
            }

            EnableStealTime(partition);

            // SAFETY: _run points at the live kvm_run mapping of this vCPU.
            // REGS and SREGS on every exit: a hypercall needs RCX/RDX/R8 and the caller's CPL and mode, and
            // syncing SREGS measured no slower than REGS alone (vmm bench exits, ratio 0.99 vs 1.05 to the C
            // reference in one run), while a KVM_GET_SREGS ioctl costs 6-8 µs here (docs/kvm-host.md#pvm-hosts).
            _run->kvm_valid_regs = KvmConstants.KVM_SYNC_X86_REGS | KvmConstants.KVM_SYNC_X86_SREGS;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Index { get; }

    internal int Fd => _vcpu.Fd;

    public void PrepareRunThread()
    {
        GlibcSigset threadMask = KvmKickSignal.BlockOnCurrentThread();

        // Inside KVM_RUN the thread runs with its own mask minus the kick signal, so only a kick (or a signal
        // the thread already accepted) interrupts the guest (api.rst KVM_SET_SIGNAL_MASK).
        threadMask.Remove(KvmKickSignal.Number);
        byte* buffer = stackalloc byte[sizeof(kvm_signal_mask) + (int)KvmConstants.KernelSigsetSize];
        ((kvm_signal_mask*)buffer)->len = KvmConstants.KernelSigsetSize;
        *(ulong*)(buffer + sizeof(kvm_signal_mask)) = threadMask.Word0;
        // SAFETY: buffer holds the header and the 8-byte kernel sigset that len announces.
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_SIGNAL_MASK, buffer), "KVM_SET_SIGNAL_MASK");
        lock (_threadLock)
        {
            _threadId = Libc.GetTid();
        }
    }

    public void ReleaseRunThread()
    {
        lock (_threadLock)
        {
            _threadId = 0;
        }

        KvmKickSignal.ConsumePending();
    }

    public void Kick()
    {
        // immediate_exit covers a thread that is outside KVM_RUN (it cancels the next entry); the signal
        // covers a thread inside the guest. The lock keeps the thread id valid while we signal it.
        // SAFETY: _run stays mapped until Dispose, which happens after the run thread is joined.
        // immediate_exit before the sequence: CompletePendingExit relies on that order (see there).
        Volatile.Write(ref _run->immediate_exit, 1);
        Interlocked.Increment(ref _kickSequence);
        lock (_threadLock)
        {
            if (_threadId != 0)
            {
                _ = Libc.TgKill(s_processId, _threadId, KvmKickSignal.Number);
            }
        }
    }

    [SkipLocalsInit]
    public VcpuRunResult Run(IVcpuExitHandler handler)
    {
        _exitPending = false; // this KVM_RUN completes it
        int result = Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_RUN, 0);
        if (_stealTimeVersion != null)
        {
            WatchStealTime(entered: result >= 0);
        }

        if (result < 0)
        {
            _syncRegsValid = false;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR || errno == Libc.EAGAIN)
            {
                // A kick: clear immediate_exit first, then take the signal, so a kick that lands in between
                // cancels the next entry instead of being lost.
                Volatile.Write(ref _run->immediate_exit, 0);
                KvmKickSignal.ConsumePending();
                return VcpuRunResult.Canceled;
            }

            return VcpuRunResult.Fault($"KVM_RUN failed: {Libc.ErrorMessage(errno)} (errno {errno})");
        }

        _syncRegsValid = true;
        kvm_run* run = _run;
        switch (run->exit_reason)
        {
            case KvmConstants.KVM_EXIT_IO:
                return ServicePortIo(run, handler);

            case KvmConstants.KVM_EXIT_MMIO:
            {
                uint length = Math.Min(run->mmio.len, 8u);
                var data = new Span<byte>(run->mmio.data, (int)length);
                if (run->mmio.is_write != 0)
                {
                    handler.MmioWrite(Index, run->mmio.phys_addr, data);
                }
                else
                {
                    handler.MmioRead(Index, run->mmio.phys_addr, data);
                }

                _exitPending = true; // after the handler: a read must have its answer before anything completes it
                return VcpuRunResult.Continue;
            }

            case KvmConstants.KVM_EXIT_X86_RDMSR:
            {
                MsrAccessResult access = handler.MsrRead(Index, run->msr.index, out ulong value);
                run->msr.data = value;
                run->msr.error = access == MsrAccessResult.Ok ? (byte)0 : (byte)1;
                _exitPending = true;
                return VcpuRunResult.Continue;
            }

            case KvmConstants.KVM_EXIT_X86_WRMSR:
            {
                MsrAccessResult access = handler.MsrWrite(Index, run->msr.index, run->msr.data);
                run->msr.error = access == MsrAccessResult.Ok ? (byte)0 : (byte)1;
                _exitPending = true;
                return VcpuRunResult.Continue;
            }

            case KvmConstants.KVM_EXIT_HLT:
                return VcpuRunResult.Halted;

            case KvmConstants.KVM_EXIT_INTR:
                return VcpuRunResult.Canceled;

            case KvmConstants.KVM_EXIT_IRQ_WINDOW_OPEN:
                return VcpuRunResult.Continue;

            default:
                return DescribeLifecycleExit(run);
        }
    }

    public void GetRegisters(out StandardRegisters registers)
    {
        CompletePendingExit();
        if (_syncRegsValid)
        {
            KvmRegisterConversion.ToNeutral(_run->s.regs, out registers);
            return;
        }

        kvm_regs regs;
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_REGS, &regs), "KVM_GET_REGS");
        KvmRegisterConversion.ToNeutral(regs, out registers);
    }

    public void SetRegisters(in StandardRegisters registers)
    {
        CompletePendingExit();
        KvmRegisterConversion.FromNeutral(registers, out kvm_regs regs);
        if (_syncRegsValid)
        {
            // KVM loads dirty sync registers at the next KVM_RUN and clears the flag (api.rst kvm_dirty_regs).
            _run->s.regs = regs;
            _run->kvm_dirty_regs |= KvmConstants.KVM_SYNC_X86_REGS;
            return;
        }

        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_REGS, &regs), "KVM_SET_REGS");
    }

    public void GetSpecialRegisters(out SpecialRegisters registers)
    {
        CompletePendingExit();
        kvm_sregs sregs;
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
        KvmRegisterConversion.ToNeutral(sregs, out registers);
    }

    public void SetSpecialRegisters(in SpecialRegisters registers)
    {
        CompletePendingExit();
        kvm_sregs sregs;
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
        KvmRegisterConversion.FromNeutral(registers, ref sregs);
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
    }

    public void GetMsrs(Span<MsrEntry> entries) => TransferMsrs(entries, KvmIoctl.KVM_GET_MSRS, "KVM_GET_MSRS");

    public void SetMsrs(ReadOnlySpan<MsrEntry> entries)
    {
        Span<MsrEntry> copy = entries.Length <= 16 ? stackalloc MsrEntry[entries.Length] : new MsrEntry[entries.Length];
        entries.CopyTo(copy);
        TransferMsrs(copy, KvmIoctl.KVM_SET_MSRS, "KVM_SET_MSRS");
    }

    /// <summary>The guest TSC frequency in kHz (KVM_GET_TSC_KHZ).</summary>
    internal ulong GetTscKhz() => (ulong)KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_TSC_KHZ, 0), "KVM_GET_TSC_KHZ");

    [SkipLocalsInit]
    private void TransferMsrs(Span<MsrEntry> entries, nuint request, string operation)
    {
        if (entries.Length == 0)
        {
            return;
        }

        const int MaxBatch = 16;
        byte* buffer = stackalloc byte[sizeof(kvm_msrs) + (MaxBatch * sizeof(kvm_msr_entry))];
        for (int start = 0; start < entries.Length; start += MaxBatch)
        {
            int n = Math.Min(MaxBatch, entries.Length - start);
            var header = (kvm_msrs*)buffer;
            header->nmsrs = (uint)n;
            header->pad = 0;
            var e = (kvm_msr_entry*)(buffer + sizeof(kvm_msrs));
            for (int i = 0; i < n; i++)
            {
                e[i] = new kvm_msr_entry { index = entries[start + i].Index, data = entries[start + i].Value };
            }

            // SAFETY: buffer holds the header and n (≤ MaxBatch) entries, as nmsrs says. The ioctl returns how
            // many MSRs it processed; fewer than n means the next one is not supported.
            int done = Libc.Ioctl(_vcpu.Fd, request, buffer);
            if (done < 0)
            {
                throw KvmFileDescriptor.Error(operation, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            }

            if (done < n)
            {
                throw new HypervisorException($"{operation}: MSR 0x{entries[start + done].Index:X} is not supported by this KVM", operation, 0);
            }

            for (int i = 0; i < n; i++)
            {
                entries[start + i].Value = e[i].data;
            }
        }
    }

    public void FlushGuestTlb()
    {
        // KVM cannot flush single GVAs from userspace: every flush is a full guest-TLB flush (allowed by the TLFS).
        if (_stealTimePreempted != null && RearmStealTimeAfterInit && !IsStealTimeArmed())
        {
            // An INIT turned steal time off (see WatchStealTime): the bit would never be read. Re-arm it for the
            // flushes to come and flush this one by the register toggle.
            RearmStealTime();
            FlushByRegisterToggle();
            return;
        }

        if (_stealTimePreempted != null)
        {
            // KVM_VCPU_FLUSH_TLB in the steal-time `preempted` byte: the next vcpu_load (this KVM_RUN) exchanges the
            // byte and flushes the guest TLB before the first guest instruction (docs/kvm-host.md#steal-time; arch/x86/kvm/x86.c, record_steal_time).
            // Set from this thread while it is outside KVM_RUN, so KVM's own plain store of PREEMPTED at a
            // vcpu_put cannot erase it (docs/tlb-flush.md#deferral-rules, rule 2).
            // SAFETY: the steal-time area stays mapped for the partition's lifetime; this vCPU owns its 64 bytes.
            Volatile.Write(ref *_stealTimePreempted, (byte)(*_stealTimePreempted | KvmVcpuFlushTlb));
            return;
        }

        FlushByRegisterToggle();
    }

    private void FlushByRegisterToggle()
    {
        // Fallback: a changed CR4 (or CR0) makes KVM_SET_SREGS reset the MMU context and flush the guest TLB;
        // writing the same value does nothing (docs/kvm-host.md#forcing-a-flush). Two ioctls, about 21 µs here.
        kvm_sregs sregs;
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
        ulong original = sregs.cr4;
        bool usePge = (original & Core.Registers.X86Constants.Cr4Pge) != 0;
        if (usePge)
        {
            sregs.cr4 = original & ~Core.Registers.X86Constants.Cr4Pge;
        }
        else
        {
            sregs.cr0 ^= Core.Registers.X86Constants.Cr0WriteProtect;
        }

        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
        if (usePge)
        {
            sregs.cr4 = original;
        }
        else
        {
            sregs.cr0 ^= Core.Registers.X86Constants.Cr0WriteProtect;
        }

        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
        _syncRegsValid = false;
    }

    public bool TryDeferFlushWhileDescheduled()
    {
        if (_stealTimePreempted == null)
        {
            return false;
        }

        // Linux's kvm_flush_tlb_multi (arch/x86/kernel/kvm.c) does the same from inside a guest: KVM writes
        // KVM_VCPU_PREEMPTED at vcpu_put only at an instruction boundary, and record_steal_time exchanges the byte
        // at the next vcpu_load and flushes if KVM_VCPU_FLUSH_TLB was added meanwhile. A CAS (not a read and a
        // store) so that the flag cannot be added after that exchange went by (docs/tlb-flush.md#deferral-rules, rule 1).
        // PVM never sets PREEMPTED (docs/kvm-host.md#preempted), so there the CAS is never tried; upstream KVM does.
        // SAFETY: the steal-time area stays mapped for the partition's lifetime (rule 3); one byte of this vCPU's
        // 64-byte record, accessed atomically.
        ref byte flag = ref *_stealTimePreempted;
        byte seen = Volatile.Read(ref flag);
        return (seen & KvmVcpuPreempted) != 0
            && Interlocked.CompareExchange(ref flag, (byte)(seen | KvmVcpuFlushTlb), seen) == seen;
    }

    /// <summary>Test hook: the steal-time <c>preempted</c> byte as KVM last left it (0 without steal time).</summary>
    internal byte StealTimePreemptedByte => _stealTimePreempted == null ? (byte)0 : Volatile.Read(ref *_stealTimePreempted);

    /// <summary>Test hook: writes the steal-time <c>preempted</c> byte as KVM would at a vcpu_put.</summary>
    internal void SetStealTimePreemptedByte(byte value)
    {
        if (_stealTimePreempted != null)
        {
            // SAFETY: as above; tests call this only while the vCPU is outside KVM_RUN.
            Volatile.Write(ref *_stealTimePreempted, value);
        }
    }

    /// <summary>True when flushes go through the steal-time bit rather than the CR4.PGE toggle.</summary>
    internal bool UsesStealTimeFlush => _stealTimePreempted != null;

    /// <summary>How often an INIT was found to have turned steal time off and it was turned on again.</summary>
    internal long StealTimeRearms => Interlocked.Read(ref _stealTimeRearms);

    /// <summary>Test switch for the negative control: false leaves steal time off after an INIT (the bug).</summary>
    internal bool RearmStealTimeAfterInit { get; set; } = true;

    /// <summary>
    /// KVM turns steal time off when a vCPU receives INIT (kvm_vcpu_reset clears the MSR; arch/x86/kvm/x86.c), and a
    /// guest INITs every application processor it starts (Linux's wakeup_secondary_cpu_via_init,
    /// arch/x86/kernel/smpboot.c). From then on KVM neither reads KVM_VCPU_FLUSH_TLB nor writes
    /// KVM_VCPU_PREEMPTED, so a flush posted or deferred through the byte would silently never happen. While steal
    /// time is on, KVM rewrites the record at every vcpu_load, adding 2 to its version (record_steal_time); a
    /// KVM_RUN that entered the guest and left the version where it was therefore means "off": turn it on again from
    /// this, the vCPU's own thread, and flush now by the register toggle if a flush bit was waiting.
    /// </summary>
    private void WatchStealTime(bool entered)
    {
        // SAFETY: the steal-time area stays mapped for the partition's lifetime; this vCPU owns its 64 bytes.
        uint version = Volatile.Read(ref *_stealTimeVersion);
        bool unchanged = version == _stealTimeVersionSeen;
        _stealTimeVersionSeen = version;
        if (entered && unchanged && RearmStealTimeAfterInit)
        {
            RearmStealTime();
            if ((Volatile.Read(ref *_stealTimePreempted) & KvmVcpuFlushTlb) != 0)
            {
                FlushByRegisterToggle();
            }
        }
    }

    private bool IsStealTimeArmed()
    {
        Span<MsrEntry> msr = [new MsrEntry(MsrKvmStealTime)];
        TransferMsrs(msr, KvmIoctl.KVM_GET_MSRS, "KVM_GET_MSRS");
        return msr[0].Value == _stealTimeMsr;
    }

    private void RearmStealTime()
    {
        SetMsrs([new MsrEntry(MsrKvmStealTime, _stealTimeMsr)]);
        Interlocked.Increment(ref _stealTimeRearms);
    }

    private void EnableStealTime(KvmPartition partition)
    {
        if (partition.StealTimeGpa == 0)
        {
            return;
        }

        ulong gpa = partition.StealTimeGpa + ((ulong)Index * 64);
        try
        {
            // MSR_KVM_STEAL_TIME: 64-byte-aligned GPA | enable (Documentation/virt/kvm/x86/msr.rst).
            SetMsrs([new MsrEntry(MsrKvmStealTime, gpa | 1)]);
        }
        catch (HypervisorException)
        {
            return; // this KVM has no steal time: the CR4.PGE toggle is used instead
        }

        // struct kvm_steal_time: u64 steal; u32 version @8; u32 flags; u8 preempted @16.
        byte* record = (byte*)partition.StealTimeArea + ((ulong)Index * 64);
        _stealTimeMsr = gpa | 1;
        _stealTimeVersion = (uint*)(record + 8);
        _stealTimeVersionSeen = Volatile.Read(ref *_stealTimeVersion);
        _stealTimePreempted = record + 16;
    }

    /// <summary>
    /// Finishes the instruction of the last I/O, MMIO or MSR exit now instead of at the next entry. Upstream KVM
    /// returns such an exit to userspace with RIP still at the instruction and completes it (skips it, or loads an
    /// IN/MMIO/RDMSR result into its register) at the next KVM_RUN, and only if userspace left RIP alone
    /// (api.rst, KVM_EXIT_IO/KVM_EXIT_MMIO: "the corresponding operations are complete ... when KVM_RUN is called
    /// again"; arch/x86/kvm/x86.c, complete_fast_pio_out). PVM completes it before the exit. Anything that reads or
    /// changes the register state or injects an event therefore calls this first, so that both see the state after
    /// the instruction: KVM_RUN with immediate_exit set completes the pending operation and returns -EINTR without
    /// entering the guest (api.rst, "immediate_exit"). Paid only on those rare paths: the plain completion of an
    /// exit (RAX of a hypercall, a port's IN data) needs none of it.
    /// </summary>
    /// <remarks>
    /// Must not run inside an IN, MMIO-read or RDMSR handler before it has answered (it would complete the
    /// instruction with no answer): the pending flag is set for those only after the handler returns.
    /// </remarks>
    internal void CompletePendingExit()
    {
        if (!_exitPending)
        {
            return;
        }

        _exitPending = false;

        // A kick writes immediate_exit and then bumps the sequence. Read in the opposite order, a kick whose write
        // came after `prior` was read shows up as a changed sequence afterwards, so clearing our own
        // immediate_exit can never erase a kick (a kicked thread that is registered also has the signal pending).
        int kicks = Volatile.Read(ref _kickSequence);
        // SAFETY: _run is this vCPU's live kvm_run mapping; this runs on the thread that owns the vCPU (or after it
        // was joined), as every register accessor does.
        byte prior = Volatile.Read(ref _run->immediate_exit);
        Volatile.Write(ref _run->immediate_exit, 1);
        int result = Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_RUN, 0);
        int errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (prior == 0)
        {
            Volatile.Write(ref _run->immediate_exit, 0);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _kickSequence) != kicks)
            {
                Volatile.Write(ref _run->immediate_exit, 1);
            }
        }

        if (result >= 0 || errno != Libc.EINTR)
        {
            _syncRegsValid = false;
            throw new HypervisorException($"completing the pending exit of vCPU {Index} with an immediate-exit KVM_RUN returned {(result >= 0 ? "success" : Libc.ErrorMessage(errno))}", "KVM_RUN", errno);
        }

        // KVM stores the sync registers on every way out of KVM_RUN when kvm_valid_regs asks for them (store_regs).
        _syncRegsValid = true;
    }

    /// <summary>
    /// RIP of the port-I/O instruction of the current exit, <paramref name="length"/> bytes long, on either flavour:
    /// the first call in the process completes the exit and compares RIP before and after to learn whether this
    /// KVM reports RIP at or past the instruction; later calls only do the arithmetic.
    /// </summary>
    internal ulong PortIoInstructionPointer(ulong length)
    {
        ulong rip = _run->s.regs.rip;
        switch (Volatile.Read(ref _hypervisor.PortIoRipState))
        {
            case 1:
                return rip - length;
            case 2:
                return _exitPending ? rip : rip - length;
        }

        if (!_exitPending)
        {
            return rip - length; // already completed by a register accessor: RIP is past the instruction
        }

        CompletePendingExit();
        ulong after = _run->s.regs.rip;
        Volatile.Write(ref _hypervisor.PortIoRipState, after == rip ? 1 : 2);
        return after - length;
    }

    /// <summary>Queues exception <paramref name="vector"/> (no error code) for delivery at the next entry.</summary>
    internal void InjectException(byte vector)
    {
        CompletePendingExit();
        kvm_vcpu_events events;
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_GET_VCPU_EVENTS, &events), "KVM_GET_VCPU_EVENTS");
        events.exception_injected = 1;
        events.exception_nr = vector;
        events.exception_has_error_code = 0;
        events.exception_error_code = 0;
        events.flags = 0; // leave NMI, SIPI and shadow state as they are (api.rst KVM_SET_VCPU_EVENTS)
        KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_VCPU_EVENTS, &events), "KVM_SET_VCPU_EVENTS");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_threadLock)
        {
            _threadId = 0;
        }

        if (_run != null)
        {
            // SAFETY: the mapping was created in the constructor with this size; no thread runs the vCPU now.
            _ = Libc.Munmap((nint)_run, (nuint)_runSize);
        }

        _vcpu.Dispose();
    }

    private VcpuRunResult ServicePortIo(kvm_run* run, IVcpuExitHandler handler)
    {
        int size = run->io.size;
        uint count = run->io.count;
        ulong offset = run->io.data_offset;
        if (size is not (1 or 2 or 4) || offset + ((ulong)count * (ulong)size) > (ulong)_runSize)
        {
            return VcpuRunResult.Fault($"KVM_EXIT_IO with a malformed data window (port 0x{run->io.port:X}, size {size}, count {count}, offset {offset})");
        }

        // String I/O (INS/OUTS with REP) arrives as `count` elements in one window (api.rst KVM_EXIT_IO).
        byte* data = (byte*)run + offset;
        ushort port = run->io.port;
        bool isOut = run->io.direction == KvmConstants.KVM_EXIT_IO_OUT;

        // An OUT has nothing left to answer, so a handler may complete it early (a hypercall that continues or
        // raises #UD must); an IN is complete only once the handler has filled the data window.
        _exitPending = isOut;
        if (_hypercallsEnabled && port == Core.Devices.StandardPorts.Hypercall && isOut && count == 1)
        {
            // The hypercall page's `out imm8, al` (docs/design.md#hypercall-transport): the call's registers are in the sync area.
            _hypercallIo.Begin();
            handler.Hypercall(_hypercallIo);
            _hypercallIo.End();
            return VcpuRunResult.Continue;
        }

        for (uint i = 0; i < count; i++)
        {
            // SAFETY: the window [offset, offset + count * size) was checked against the kvm_run mapping size.
            var element = new Span<byte>(data + (i * (uint)size), size);
            if (isOut)
            {
                handler.PortWrite(Index, port, element);
            }
            else
            {
                handler.PortRead(Index, port, element);
            }
        }

        _exitPending = true;
        return VcpuRunResult.Continue;
    }

    private VcpuRunResult DescribeLifecycleExit(kvm_run* run)
    {
        ulong rip = run->s.regs.rip;
        switch (run->exit_reason)
        {
            case KvmConstants.KVM_EXIT_SHUTDOWN:
                // KVM on AMD SVM answers a shutdown intercept by clearing the VMCB and resetting the vCPU as an INIT
                // would (arch/x86/kvm/svm/svm.c, shutdown_interception: "VMCB is undefined after a SHUTDOWN
                // intercept"), so what the exit carries is the reset state (RIP 0xFFF0, CS base 0xFFFF0000), not the
                // place of the fault. Say so, or every triple fault there reads as a jump to the reset vector.
                return _hypervisor.Flavor == KvmFlavor.Svm
                    ? VcpuRunResult.Shutdown($"vCPU {Index} shut down (triple fault); KVM on AMD SVM resets a vCPU that shuts down, so its registers (RIP 0x{rip:X}) are the INIT state, not where it faulted")
                    : VcpuRunResult.Shutdown($"vCPU {Index} shut down (triple fault) near RIP 0x{rip:X}");

            case KvmConstants.KVM_EXIT_SYSTEM_EVENT:
                return run->system_event.type switch
                {
                    KvmConstants.KVM_SYSTEM_EVENT_RESET => VcpuRunResult.Reset,
                    KvmConstants.KVM_SYSTEM_EVENT_CRASH => VcpuRunResult.Shutdown($"vCPU {Index} reported a guest crash"),
                    _ => VcpuRunResult.Shutdown($"vCPU {Index} requested shutdown (system event {run->system_event.type})"),
                };

            case KvmConstants.KVM_EXIT_FAIL_ENTRY:
                return VcpuRunResult.Fault($"vCPU {Index} failed to enter the guest: hardware reason 0x{run->fail_entry.hardware_entry_failure_reason:X} on host CPU {run->fail_entry.cpu}");

            case KvmConstants.KVM_EXIT_INTERNAL_ERROR:
            {
                string kind = run->@internal.suberror switch
                {
                    KvmConstants.KVM_INTERNAL_ERROR_EMULATION => "instruction emulation failed",
                    KvmConstants.KVM_INTERNAL_ERROR_SIMUL_EX => "exception while delivering an exception",
                    KvmConstants.KVM_INTERNAL_ERROR_DELIVERY_EV => "event delivery failed",
                    _ => $"suberror {run->@internal.suberror}",
                };
                var words = new List<string>();
                for (int i = 0; i < Math.Min(run->@internal.ndata, 16u); i++)
                {
                    words.Add($"0x{run->@internal.data[i]:X}");
                }

                return VcpuRunResult.Fault($"vCPU {Index} internal error: {kind} at RIP 0x{rip:X} [{string.Join(' ', words)}]");
            }

            default:
                return VcpuRunResult.Fault($"vCPU {Index} exited with unexpected KVM exit reason {run->exit_reason} at RIP 0x{rip:X}");
        }
    }

    private void SetCpuid(CpuidTable table)
    {
        IReadOnlyList<CpuidEntry> entries = table.Entries;
        int bytes = sizeof(kvm_cpuid2) + (entries.Count * sizeof(kvm_cpuid_entry2));
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            ((kvm_cpuid2*)buffer)->nent = (uint)entries.Count;
            var e = (kvm_cpuid_entry2*)(buffer + sizeof(kvm_cpuid2));
            uint apicId = (uint)Index;
            for (int i = 0; i < entries.Count; i++)
            {
                CpuidEntry c = entries[i];
                uint ebx = c.Ebx;
                uint edx = c.Edx;
                if (c.Function == 1)
                {
                    // Initial APIC ID, CPUID.01H:EBX[31:24] (SDM Vol. 2A CPUID). KVM reports the APIC ID of the
                    // host CPU that ran the ioctl (docs/kvm-host.md#long-mode-and-cpuid), so every vCPU needs its own.
                    ebx = (ebx & 0x00FF_FFFF) | (apicId << 24);
                }
                else if (c.Function is 0xB or 0x1F)
                {
                    edx = apicId; // x2APIC ID of the current logical processor, every subleaf.
                }

                e[i] = new kvm_cpuid_entry2
                {
                    function = c.Function,
                    index = c.Index,
                    flags = c.IndexSignificant ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
                    eax = c.Eax,
                    ebx = ebx,
                    ecx = c.Ecx,
                    edx = edx,
                };
            }

            // SAFETY: buffer holds the header and entries.Count entries, as nent says.
            KvmFileDescriptor.Check(Libc.Ioctl(_vcpu.Fd, KvmIoctl.KVM_SET_CPUID2, buffer), "KVM_SET_CPUID2");
        }
        finally
        {
            // SAFETY: allocated above; freed once.
            NativeMemory.Free(buffer);
        }
    }
}
