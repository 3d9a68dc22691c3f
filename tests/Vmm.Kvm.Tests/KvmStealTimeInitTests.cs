using System.Runtime.Versioning;
using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.Core.Registers;

namespace Vmm.Kvm.Tests;

/// <summary>
/// KVM turns a vCPU's steal time off when it receives INIT, and every guest that starts its application processors
/// INITs them; from then on a flush posted through KVM_VCPU_FLUSH_TLB is never read. These tests INIT and SIPI a real
/// vCPU through the in-kernel LAPIC and pin that vmm notices and still flushes, with the repair switched off as the
/// negative control.
/// </summary>
[Collection(KvmCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class KvmStealTimeInitTests
{
    private const ulong Code = 0x10_0000;
    private const byte StartVector = 0x08; // the application processor starts in real mode at 0x8000 (SDM Vol. 3 §8.4.4)
    private const byte MarkerPort = MarkerPortHandler.Port;

    // out 0xE7, al; jmp short -4: the same bytes loop with one port exit per pass in 64-bit and in real mode.
    private static readonly byte[] s_exitLoop = [0xE6, MarkerPort, 0xEB, 0xFC];

    // mov eax, 0xFEE000F0; mov dword [rax], 0x1FF: software-enable the LAPIC (SVR, SDM Vol. 3 §11.9). KVM builds its
    // map of APIC IDs before a vCPU is added to the VM and rebuilds it only when a LAPIC changes, so without a LAPIC
    // write no MSI could reach vCPU 1 (Linux's boot processor writes its LAPIC long before it sends INIT).
    private static readonly byte[] s_enableLapic = [0xB8, 0xF0, 0x00, 0xE0, 0xFE, 0xC7, 0x00, 0xFF, 0x01, 0x00, 0x00];

    [Fact]
    public void ExitsWithStealTimeOnNeverLookLikeAnInit()
    {
        using Ap ap = Ap.Start();
        for (int i = 0; i < 200; i++)
        {
            ap.RunToMarker();
        }

        Assert.Equal(0, ap.Vcpu.StealTimeRearms);
    }

    [Fact]
    public void AFlushAppliedAfterInitTurnsStealTimeBackOnAndFlushesByTheRegisterToggle()
    {
        using Ap ap = Ap.Start();
        ap.RunToMarker();
        ap.InitAndStartInRealMode();

        ap.Vcpu.FlushGuestTlb(); // what the engine does on the target's thread before it enters
        Assert.Equal(1, ap.Vcpu.StealTimeRearms);
        ap.RunToMarker();

        // Armed again: the next flush goes through the byte, and KVM consumes it at the entry.
        ap.Vcpu.FlushGuestTlb();
        Assert.Equal(2, ap.Vcpu.StealTimePreemptedByte & 2);
        ap.RunToMarker();
        Assert.Equal(0, ap.Vcpu.StealTimePreemptedByte & 2);
        Assert.Equal(1, ap.Vcpu.StealTimeRearms);
    }

    [Fact]
    public void AnEntryThatLeavesTheStealTimeVersionAloneTurnsStealTimeBackOn()
    {
        using Ap ap = Ap.Start();
        ap.RunToMarker();
        ap.InitAndStartInRealMode(); // KVM updated the record at this entry, before it took the INIT
        Assert.Equal(0, ap.Vcpu.StealTimeRearms);
        ap.RunToMarker();            // no update at this one: steal time is off
        Assert.Equal(1, ap.Vcpu.StealTimeRearms);
    }

    [Fact]
    public void WithoutTheRepairAFlushPostedAfterInitIsNeverConsumed()
    {
        // Negative control: the bug this repair exists for. KVM leaves the posted bit where it is, entry after entry.
        using Ap ap = Ap.Start();
        ap.Vcpu.RearmStealTimeAfterInit = false;
        ap.RunToMarker();
        ap.InitAndStartInRealMode();
        ap.Vcpu.FlushGuestTlb();
        for (int i = 0; i < 3; i++)
        {
            ap.RunToMarker();
        }

        Assert.Equal(2, ap.Vcpu.StealTimePreemptedByte & 2);
        Assert.Equal(0, ap.Vcpu.StealTimeRearms);
    }

    /// <summary>vCPU 1 of a two-vCPU partition, run by the test's own thread in a loop of port exits.</summary>
    private sealed class Ap : IDisposable
    {
        private readonly KvmHypervisor _kvm;
        private readonly GuestMemory _memory;
        private readonly KvmPartition _partition;
        private readonly MarkerPortHandler _handler = new(2);

        private Ap(KvmHypervisor kvm, GuestMemory memory, KvmPartition partition)
        {
            _kvm = kvm;
            _memory = memory;
            _partition = partition;
            Vcpu = (KvmVirtualProcessor)partition.Processors[1];
        }

        public KvmVirtualProcessor Vcpu { get; }

        public static Ap Start()
        {
            KvmFixture.SkipUnlessKvm();
            KvmHypervisor kvm = KvmHypervisor.Open();
            var memory = new GuestMemory([new GuestMemoryRegion(0, kvm.AllocateGuestMemory(16UL << 20))]);
            var env = LongModeEnvironment.Build(memory, 2);
            memory.Write(Code, [.. s_enableLapic, .. s_exitLoop]);
            memory.Write((ulong)StartVector << 12, s_exitLoop);
            var partition = (KvmPartition)kvm.CreatePartition(new PartitionOptions
            {
                ProcessorCount = 2,
                Memory = memory,
                Cpuid = Machine.DefaultCpuidPolicy(kvm.GetSupportedCpuid()),
            });
            var ap = new Ap(kvm, memory, partition);
            Assert.True(ap.Vcpu.UsesStealTimeFlush);
            ap.Vcpu.GetSpecialRegisters(out SpecialRegisters defaults);
            VcpuBootState boot = env.GetBootState(1, Code, defaults);
            ap.Vcpu.SetSpecialRegisters(boot.Special);
            ap.Vcpu.SetRegisters(boot.Registers);
            ap.Vcpu.PrepareRunThread();
            return ap;
        }

        public void RunToMarker()
        {
            int before = _handler.Markers[1];
            for (int i = 0; i < 10 && _handler.Markers[1] == before; i++)
            {
                VcpuRunResult result = Vcpu.Run(_handler);
                Assert.True(result.Kind is VcpuExitKind.Continue or VcpuExitKind.Canceled, result.ToString());
            }

            Assert.True(_handler.Markers[1] > before, "the vCPU never reached its port exit");
        }

        /// <summary>INIT and STARTUP through the LAPIC, then the first exit from the real-mode start page.</summary>
        public void InitAndStartInRealMode()
        {
            (int init, int startup) = _partition.SendInitAndStartup(1, StartVector);
            Assert.True(init > 0 && startup > 0, $"the LAPIC did not take INIT ({init}) or STARTUP ({startup})");
            RunToMarker();
            Vcpu.GetSpecialRegisters(out SpecialRegisters s);
            Assert.True((s.Cr0 & X86Constants.Cr0ProtectionEnable) == 0, $"INIT did not reset the vCPU: CR0 0x{s.Cr0:X}, CS 0x{s.Cs.Selector:X} base 0x{s.Cs.Base:X}, EFER 0x{s.Efer:X}, markers {_handler.Markers[1]}"); // INIT reset the vCPU ...
            Assert.Equal((ulong)StartVector << 12, s.Cs.Base);                // ... and STARTUP started it at the vector's page
        }

        public void Dispose()
        {
            Vcpu.ReleaseRunThread();
            _partition.Dispose();
            _memory.Dispose();
            _kvm.Dispose();
        }
    }
}
