using Vmm.Kvm.Interop;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>
/// The real-time signal that kicks a vCPU thread out of KVM_RUN (docs/kvm-host.md#kicks). Not SIGRTMIN: CoreCLR
/// uses that for thread activation. It stays blocked on vCPU threads except inside KVM_RUN
/// (KVM_SET_SIGNAL_MASK), so no handler ever runs: KVM_RUN returns -EINTR, and the thread consumes the
/// pending signal with sigtimedwait.
/// </summary>
/// <remarks>
/// Its disposition is SIG_IGN as a safety net against a stray process-directed signal or a kick racing a
/// thread's exit. That does not lose kicks: while KVM_RUN runs with the VM's mask, the thread's normal mask
/// (which blocks the signal) is kept in current->real_blocked, and the kernel never treats a signal blocked
/// there as ignored (kernel/signal.c sig_ignored), so it is queued and interrupts KVM_RUN.
/// </remarks>
internal static unsafe class KvmKickSignal
{
    private static readonly Lock s_initLock = new();
    private static int s_signal;

    /// <summary>The signal number (SIGRTMIN + 6).</summary>
    public static int Number
    {
        get
        {
            if (s_signal == 0)
            {
                Initialize();
            }

            return s_signal;
        }
    }

    /// <summary>Blocks the kick signal on the calling thread and returns the thread's resulting mask.</summary>
    public static GlibcSigset BlockOnCurrentThread()
    {
        GlibcSigset block = default;
        block.Add(Number);
        GlibcSigset old = default;
        // SAFETY: both sets are locals of glibc's sigset_t size; pthread_sigmask only reads/writes them.
        _ = Libc.PthreadSigmask(Libc.SIG_BLOCK, &block, &old);
        old.Add(Number);
        return old;
    }

    /// <summary>Consumes a pending kick signal on the calling thread, if any, without waiting.</summary>
    public static void ConsumePending()
    {
        GlibcSigset set = default;
        set.Add(Number);
        Timespec zero = default;
        // SAFETY: set and zero are locals; a null siginfo pointer is allowed by sigtimedwait.
        while (Libc.SigTimedWait(&set, null, &zero) > 0)
        {
        }
    }

    private static void Initialize()
    {
        lock (s_initLock)
        {
            if (s_signal != 0)
            {
                return;
            }

            int signal = Libc.CurrentSigRtMin() + 6;
            GlibcSigaction current = default;
            // SAFETY: current is a local of glibc's struct sigaction size; a null new action only queries.
            if (Libc.SigAction(signal, null, &current) == 0 && current.Handler == Libc.SIG_DFL)
            {
                GlibcSigaction ignore = default;
                ignore.Handler = Libc.SIG_IGN;
                // SAFETY: as above; installing SIG_IGN runs no code in the signal context.
                _ = Libc.SigAction(signal, &ignore, null);
            }

            s_signal = signal;
        }
    }
}
