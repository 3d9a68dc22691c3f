using System.Runtime.Versioning;
using Iced.Intel;
using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using Vmm.Core.TlbFlush;
using Vmm.Core.Vcpu;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Kvm.Tests;

/// <summary>
/// The end-to-end proof for steal time after INIT (docs/kvm-host.md#steal-time): as an OS starts its application
/// processors, vCPU 0 sends INIT and STARTUP through its LAPIC to vCPU 1, which waited for them from its creation;
/// the AP then runs coherence rounds. Each round vCPU 0 remaps the AP's test address with a native CPL3 store to the
/// AP's own page table, the production flush engine flushes the AP while it is outside the guest (so the flush is
/// queued and applied by <see cref="KvmVirtualProcessor.FlushGuestTlb"/> at its next entry, through the steal-time
/// bit), and the AP reads the address at CPL3. A read that returns another page than the one just mapped is stale.
/// </summary>
/// <remarks>
/// The rounds are driven one exit at a time from the test thread with the vCPU loop's own steps
/// (<see cref="VcpuTlbState.EnterGuest"/>, Run, <see cref="VcpuTlbState.LeaveGuest"/>), so every round is
/// deterministic: no race decides whether the flush is posted or kicked. Whether a missed flush can show as a stale
/// read at all is a fact of the host that each test measures first, on the same VM, with rounds that flush nothing:
/// on the PVM host (shadow paging) a native store leaves the old translation in place until a flush; nested under
/// QEMU TCG every VM entry flushes QEMU's software TLB, so no round can read a stale page there and the negative
/// control asserts the detection instead (the posted bit is still set after the entry: KVM never read it).
/// </remarks>
[Collection(KvmCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class KvmStealTimeInitCoherenceTests
{
    private const int Rounds = 1000;
    private const int ControlRounds = 200;
    private const int ProbeRounds = 50;

    private readonly ITestOutputHelper _output;

    public KvmStealTimeInitCoherenceTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void AnApStartedByInitAndStartupReadsNoStalePageInAThousandFlushRounds()
    {
        using CoherenceRig rig = CoherenceRig.Start(rearmAfterInit: true);
        RoundCounts probe = rig.RunRounds(ProbeRounds, flush: false);
        RoundCounts counts = rig.RunRounds(Rounds, flush: true);
        _output.WriteLine($"no flush: {probe.Stale} of {ProbeRounds} reads stale; repair on: {counts.Stale} of {Rounds} reads stale, the flush bit left unread after {counts.BitLeftPosted} entries, {rig.Ap.StealTimeRearms} re-arm(s)");

        Assert.Equal(0, counts.Stale);
        Assert.Equal(0, counts.BitLeftPosted);            // every flush posted after the re-arm was read by KVM at its entry
        Assert.Equal(1, rig.Ap.StealTimeRearms);          // the INIT was noticed once, at the AP's first entry
        Assert.Equal(Rounds, counts.FlushesAppliedOnAp);  // every round's flush reached the AP through the engine
        Assert.Equal(1UL, rig.ApStealTimeMsr() & 1);     // steal time is on again
    }

    [Fact]
    public void WithoutTheRepairTheApReadsStalePagesAfterInitWhereTheHostShowsThemAndTheFlushBitIsNeverRead()
    {
        // Negative control: the bug. Steal time stays off after the INIT, and every flush the engine applies is a bit
        // that KVM never reads.
        using CoherenceRig rig = CoherenceRig.Start(rearmAfterInit: false);
        RoundCounts probe = rig.RunRounds(ProbeRounds, flush: false);
        RoundCounts counts = rig.RunRounds(ControlRounds, flush: true);
        _output.WriteLine($"no flush: {probe.Stale} of {ProbeRounds} reads stale; repair off: {counts.Stale} of {ControlRounds} reads stale, the flush bit left unread after {counts.BitLeftPosted} entries, {rig.Ap.StealTimeRearms} re-arm(s)");

        Assert.Equal(0UL, rig.ApStealTimeMsr());   // the INIT turned steal time off, and nothing turned it on again
        Assert.Equal(ControlRounds, counts.FlushesAppliedOnAp);
        Assert.Equal(ControlRounds, counts.BitLeftPosted);
        Assert.Equal(0, rig.Ap.StealTimeRearms);
        if (probe.Stale > 0)
        {
            // This host keeps a stale translation until a flush: the lost flushes must show as stale reads.
            Assert.True(counts.Stale > 0, $"no stale read in {ControlRounds} rounds whose flushes KVM never read, on a host where {probe.Stale} of {ProbeRounds} unflushed rounds read stale");
        }
    }

    private readonly record struct RoundCounts(int Stale, int BitLeftPosted, long FlushesAppliedOnAp);

    /// <summary>A two-vCPU VM: vCPU 0 remaps, vCPU 1 (the AP) reads through a page-table chain of its own.</summary>
    private sealed class CoherenceRig : IDisposable, IVcpuThreadOwner
    {
        private const ulong Code = LongModeLayout.ImageBase;
        private const ulong NextPte = Code + 0x1_0000;         // the PTE vCPU 0 stores next (written by the test)
        private const ulong Result = NextPte + 0x100;          // what the AP read last
        private const ulong Chain = Code + 0x2_0000;           // the AP's PML4, PDPT, PD, PT, then the pages
        private const ulong ApPt = Chain + 0x3000;
        private const int Pages = 8;
        private const ulong TestAddress = 0x80_0000_0000;      // PML4 slot 1: clear of the identity map in slot 0
        private const ulong TableFlags = 0x27;                 // P | RW | US | A
        private const ulong LeafFlags = 0x25;                  // P | US | A: read-only, so a stale mapping is only read
        private const ulong TagBase = 0x5EED_0000_0000_0000;
        private const byte StartVector = 0x08;                 // the AP starts in real mode at 0x8000 (SDM Vol. 3 §8.4.4)
        private const byte MarkerPort = MarkerPortHandler.Port;
        private const byte InvalidOpcode = 6;

        private readonly KvmHypervisor _kvm;
        private readonly GuestMemory _memory;
        private readonly KvmPartition _partition;
        private readonly LongModeEnvironment _env;
        private readonly ulong _apEntry;
        private readonly MarkerPortHandler _handler = new(2);
        private readonly VcpuThread[] _threads;
        private readonly TlbFlushEngine _engine;
        private readonly KvmVirtualProcessor[] _vcpus;
        private int _page;

        private CoherenceRig(KvmHypervisor kvm, GuestMemory memory, LongModeEnvironment env, KvmPartition partition, ulong apEntry)
        {
            _kvm = kvm;
            _memory = memory;
            _env = env;
            _partition = partition;
            _apEntry = apEntry;
            _vcpus = [(KvmVirtualProcessor)partition.Processors[0], (KvmVirtualProcessor)partition.Processors[1]];
            _threads = [new VcpuThread(_vcpus[0], _handler, this), new VcpuThread(_vcpus[1], _handler, this)];
            _engine = new TlbFlushEngine(_threads, TlbFlushStrategy.KickAndWait);
        }

        public KvmVirtualProcessor Ap => _vcpus[1];

        public bool StopRequested => false;

        /// <summary>The AP's MSR_KVM_STEAL_TIME (Documentation/virt/kvm/x86/msr.rst): bit 0 is "enabled".</summary>
        public ulong ApStealTimeMsr()
        {
            Span<MsrEntry> msr = [new MsrEntry(0x4B56_4D03)];
            Ap.GetMsrs(msr);
            return msr[0].Value;
        }

        /// <summary>
        /// Builds the VM with vCPU 1 waiting for INIT and STARTUP, as an OS's application processors do; vCPU 0 sends them
        /// through its LAPIC, the AP starts in real mode at the start page and is put back into long mode (what an OS's
        /// trampoline does, SDM Vol. 3 §9.9, done here by the test), and reads page 0.
        /// </summary>
        public static CoherenceRig Start(bool rearmAfterInit)
        {
            KvmFixture.SkipUnlessKvm();
            KvmHypervisor kvm = KvmHypervisor.Open();
            var memory = new GuestMemory([new GuestMemoryRegion(0, kvm.AllocateGuestMemory(16UL << 20))]);
            var env = LongModeEnvironment.Build(memory, 2);
            (ulong bspEntry, ulong apEntry, ulong invalidOpcode) = WriteCode(memory);
            env.SetInterruptGate(InvalidOpcode, invalidOpcode);
            WriteRealModeStart(memory);
            WriteChain(memory);
            var partition = (KvmPartition)kvm.CreatePartition(new PartitionOptions
            {
                ProcessorCount = 2,
                Memory = memory,
                Cpuid = Machine.DefaultCpuidPolicy(kvm.GetSupportedCpuid()),
                StartModes = [VcpuStartMode.Running, VcpuStartMode.WaitForStartup],
            });
            var rig = new CoherenceRig(kvm, memory, env, partition, apEntry);
            Assert.True(rig.Ap.UsesStealTimeFlush);
            rig.Ap.RearmStealTimeAfterInit = rearmAfterInit;
            rig.Boot(0, bspEntry, LongModeLayout.Pml4);
            rig._vcpus[0].PrepareRunThread();
            rig._vcpus[1].PrepareRunThread();
            rig.StartAp();
            return rig;
        }

        /// <summary>
        /// Remaps, flushes (or not) and reads <paramref name="rounds"/> times. Each round maps the next page: with
        /// no flush reaching the AP its translation stays on an older page, so most rounds would read stale.
        /// </summary>
        public RoundCounts RunRounds(int rounds, bool flush)
        {
            long appliedBefore = _threads[1].TlbState.Applied;
            int stale = 0;
            int bitLeft = 0;
            TlbFlushRequest toAp = TlbFlushRequest.For(1);
            for (int r = 0; r < rounds; r++)
            {
                int next = (_page + 1) % Pages;
                _memory.Write(NextPte, PageAddress(next) | LeafFlags);
                Step(0); // vCPU 0 stores the AP's PTE at CPL3 and leaves at its next port exit
                Assert.Equal(PageAddress(next) | LeafFlags, _memory.Read<ulong>(ApPt));
                _page = next;
                if (flush)
                {
                    // What vCPU 0's flush hypercall does: the AP is outside the guest, so the engine queues the flush for
                    // the AP's next entry and returns without a kick.
                    TlbFlushResult result = _engine.Flush(0, toAp);
                    Assert.True(result.Complete && result.Targets == 1 && result.Kicked == 0, result.ToString());
                }

                ReadOnAp();
                ulong seen = _memory.Read<ulong>(Result);
                Assert.True(seen >= Tag(0) && seen < Tag(Pages), $"round {r}: the AP read 0x{seen:X}, no page's tag");
                if (seen != Tag(_page))
                {
                    stale++;
                }

                if ((Ap.StealTimePreemptedByte & 2) != 0)
                {
                    bitLeft++;
                }
            }

            return new RoundCounts(stale, bitLeft, _threads[1].TlbState.Applied - appliedBefore);
        }

        private void StartAp()
        {
            Step(0); // vCPU 0 sends INIT and STARTUP
            Step(1); // the AP's first entry takes them and runs the start page
            Ap.GetSpecialRegisters(out SpecialRegisters s);
            Assert.True((s.Cr0 & X86Constants.Cr0ProtectionEnable) == 0 && s.Cs.Base == (ulong)StartVector << 12, $"the AP did not start in real mode at the start page: CR0 0x{s.Cr0:X}, CS base 0x{s.Cs.Base:X}");
            Assert.Equal(0, Ap.StealTimePreemptedByte); // nothing posted yet

            // The long-mode state every vCPU boots with, on the AP's own page tables. Steal time stays as the INIT left it.
            Boot(1, _apEntry, Chain);
            ReadOnAp();
            Assert.Equal(Tag(0), _memory.Read<ulong>(Result));
        }

        public void Dispose()
        {
            _vcpus[0].ReleaseRunThread();
            _vcpus[1].ReleaseRunThread();
            _partition.Dispose();
            _memory.Dispose();
            _kvm.Dispose();
        }

        public void OnVcpuStopped(int processorIndex, VcpuRunResult result)
        {
        }

        public void OnVcpuFailed(int processorIndex, Exception exception)
        {
        }

        private void ReadOnAp() => Step(1);

        private void Boot(int index, ulong entry, ulong cr3)
        {
            _vcpus[index].GetSpecialRegisters(out SpecialRegisters defaults);
            VcpuBootState boot = _env.GetBootState(index, entry, defaults);
            SpecialRegisters special = boot.Special;
            special.Cr3 = cr3;
            _vcpus[index].SetSpecialRegisters(special);
            _vcpus[index].SetRegisters(boot.Registers);
        }

        /// <summary>Runs vCPU <paramref name="index"/> to its next marker exit, with the steps of the vCPU loop (VcpuThread).</summary>
        private void Step(int index)
        {
            int before = _handler.Markers[index];
            for (int i = 0; i < 10 && _handler.Markers[index] == before; i++)
            {
                _threads[index].TlbState.EnterGuest(_vcpus[index]); // applies a queued flush: FlushGuestTlb
                VcpuRunResult result = _vcpus[index].Run(_handler);
                _threads[index].TlbState.LeaveGuest();
                Assert.True(result.Kind is VcpuExitKind.Continue or VcpuExitKind.Canceled, result.ToString());
            }

            Assert.True(_handler.Markers[index] > before, $"vCPU {index} never reached its port exit");
        }

        private static ulong PageAddress(int page) => Chain + 0x4000 + ((ulong)page * 0x1000);

        private static ulong Tag(int page) => TagBase + (ulong)page;

        /// <summary>
        /// vCPU 0 (CPL0 entry): sends INIT and STARTUP to APIC ID 1 and reports; then at CPL3, in a loop, stores
        /// [NextPte] into the AP's PT entry for the test address and executes ud2. The AP (CPL0 entry): at CPL3, in a
        /// loop, reads the test address into [Result] and executes ud2. The #UD handler reports through the marker port
        /// and returns past the ud2. CPL3 matters on PVM: only a native store leaves a stale
        /// shadow entry behind, and only a native read can see it (docs/kvm-host.md#stale-translations).
        /// </summary>
        private static (ulong Writer, ulong Ap, ulong InvalidOpcode) WriteCode(GuestMemory memory)
        {
            var a = new Assembler(64);
            Label bsp = a.CreateLabel();
            Label writerLoop = a.CreateLabel();
            Label ap = a.CreateLabel();
            Label reader = a.CreateLabel();
            Label invalidOpcode = a.CreateLabel();

            a.Label(ref bsp);
            EmitStartAp(a);
            EmitDropToUser(a, writerLoop);
            EmitCopyAndReportLoop(a, ref writerLoop, NextPte, ApPt);

            a.Label(ref ap);
            EmitDropToUser(a, reader);
            EmitCopyAndReportLoop(a, ref reader, TestAddress, Result);

            a.Label(ref invalidOpcode);
            a.@out(MarkerPort, al);
            a.add(__qword_ptr[rsp], 2); // the saved RIP, past the two-byte ud2
            a.iretq();

            using var stream = new MemoryStream();
            AssemblerResult result = a.Assemble(new StreamCodeWriter(stream), Code, BlockEncoderOptions.ReturnNewInstructionOffsets);
            memory.Write(Code, stream.ToArray());
            return (result.GetLabelRIP(bsp), result.GetLabelRIP(ap), result.GetLabelRIP(invalidOpcode));
        }

        /// <summary>
        /// At CPL0, through the xAPIC's MMIO page: software-enables this LAPIC (SVR), then sends INIT and STARTUP
        /// (vector <see cref="StartVector"/>) to APIC ID 1, ICR high word first (SDM Vol. 3 §11.6.1, §8.4.4), and reports.
        /// The SVR write also makes KVM rebuild its APIC-ID map, without which no IPI reaches vCPU 1
        /// (docs/kvm-host.md#steal-time). Clobbers RAX.
        /// </summary>
        private static void EmitStartAp(Assembler a)
        {
            const uint Lapic = 0xFEE0_0000;
            a.mov(eax, Lapic);
            a.mov(__dword_ptr[rax + 0xF0], 0x1FF);                      // SVR: APIC software enable, spurious vector 0xFF
            a.mov(__dword_ptr[rax + 0x310], 1 << 24);                    // ICR[63:56]: destination APIC ID 1
            a.mov(__dword_ptr[rax + 0x300], 0x4500);                     // ICR: INIT, level assert
            a.mov(__dword_ptr[rax + 0x310], 1 << 24);
            a.mov(__dword_ptr[rax + 0x300], 0x4600 | StartVector);       // ICR: STARTUP
            a.@out(MarkerPort, al);
        }

        /// <summary>At <paramref name="loop"/>, forever: copies the qword at <paramref name="from"/> to <paramref name="to"/>, then ud2 (the report).</summary>
        private static void EmitCopyAndReportLoop(Assembler a, ref Label loop, ulong from, ulong to)
        {
            a.Label(ref loop);
            a.mov(rbx, from);
            a.mov(rax, __qword_ptr[rbx]);
            a.mov(rbx, to);
            a.mov(__qword_ptr[rbx], rax);
            a.ud2();
            a.jmp(loop);
        }

        /// <summary>IRETQ to <paramref name="target"/> at CPL3 on the user stack (R8 at entry), interrupts off.</summary>
        private static void EmitDropToUser(Assembler a, Label target)
        {
            a.push(LongModeLayout.UserDataSelector);
            a.push(r8);
            a.push(2); // RFLAGS: only the reserved bit 1
            a.push(LongModeLayout.UserCodeSelector);
            a.lea(rax, __[target]);
            a.push(rax);
            a.iretq();
        }

        /// <summary>At the STARTUP vector's page, in real mode: out MarkerPort, al; jmp back.</summary>
        private static void WriteRealModeStart(GuestMemory memory)
        {
            var a = new Assembler(16);
            Label loop = a.CreateLabel();
            a.Label(ref loop);
            a.@out(MarkerPort, al);
            a.jmp(loop);
            using var stream = new MemoryStream();
            a.Assemble(new StreamCodeWriter(stream), (ulong)StartVector << 12);
            memory.Write((ulong)StartVector << 12, stream.ToArray());
        }

        /// <summary>The AP's chain: PML4[0] shares the identity map, PML4[1] → PDPT → PD → PT → page 0; each page holds its tag.</summary>
        private static void WriteChain(GuestMemory memory)
        {
            memory.GetSpan(Chain, 0x4000 + (Pages * 0x1000)).Clear();
            memory.Write(Chain, memory.Read<ulong>(LongModeLayout.Pml4));
            memory.Write(Chain + 8, (Chain + 0x1000) | TableFlags);
            memory.Write(Chain + 0x1000, (Chain + 0x2000) | TableFlags);
            memory.Write(Chain + 0x2000, ApPt | TableFlags);
            memory.Write(ApPt, PageAddress(0) | LeafFlags);
            for (int p = 0; p < Pages; p++)
            {
                memory.Write(PageAddress(p), Tag(p));
            }
        }
    }
}
