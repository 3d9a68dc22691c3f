using System.Text;
using Vmm.Core.Machine;
using Vmm.Core.Registers;
using Vmm.Guests;

namespace Vmm.Kvm.Tests;

/// <summary>Built-in guests under the real KVM backend: what users see from `vmm run`.</summary>
[Collection(KvmCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KvmGuestTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    [Fact]
    public void HelloGuestPrintsItsGreetingThroughTheUart()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        MachineExit exit;
        using (Machine machine = KvmFixture.CreateMachine(kvm, new HelloGuest(), 2, serial))
        {
            machine.Start();
            exit = machine.WaitForExit(s_limit);
        }

        Assert.True(exit.Passed, exit.ToString());
        Assert.Equal(HelloGuest.Greeting + "2, 64-bit long mode, CPL 0\n", Encoding.ASCII.GetString(serial.ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void SmpGuestCountsEveryIncrementExactly(int cpus)
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        const long iterations = 1_000_000;
        MachineExit exit;
        using (Machine machine = KvmFixture.CreateMachine(kvm, new SmpGuest(), cpus, serial, new() { ["iterations"] = iterations.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        {
            machine.Start();
            exit = machine.WaitForExit(s_limit);
            Assert.Equal(iterations * cpus, machine.Memory.Read<long>(0x11_0000));
        }

        string text = Encoding.ASCII.GetString(serial.ToArray());
        long total = iterations * cpus;
        Assert.True(exit.Passed, $"{exit}; guest said: {text}");
        Assert.Equal($"smp: {cpus} vCPUs x {iterations} increments = {total} (expected {total})\n", text);
    }

    [Fact]
    public void SpinningVcpuAcknowledgesEveryOneOfAThousandKicks()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using Machine machine = KvmFixture.CreateMachine(kvm, new SpinGuest(), 2);
        machine.Start();
        var target = (Thread: machine.Vcpus[1], Index: 1);
        WaitUntil(() => machine.Memory.Read<long>(SpinGuest.CounterAddress(1)) > 0, "vCPU 1 never started spinning");

        long canceledBefore = target.Thread.CanceledExits;
        int lost = 0;
        for (int i = 0; i < 1000; i++)
        {
            long progress = machine.Memory.Read<long>(SpinGuest.CounterAddress(1));
            long sequence = target.Thread.Kick();
            if (!target.Thread.WaitForKickAcknowledged(sequence, TimeSpan.FromSeconds(10)))
            {
                lost++;
            }

            // The vCPU re-enters the guest after each kick: it keeps spinning between kicks.
            if (i % 100 == 0)
            {
                WaitUntil(() => machine.Memory.Read<long>(SpinGuest.CounterAddress(1)) > progress, $"vCPU 1 stopped spinning after kick {i}");
            }
        }

        Assert.Equal(0, lost);
        Assert.True(target.Thread.CanceledExits - canceledBefore >= 1000, $"only {target.Thread.CanceledExits - canceledBefore} canceled runs for 1000 kicks");
        Assert.False(machine.Exited.IsCompleted, "the VM stopped while being kicked");
    }

    [Fact]
    public void TwentyVmsInARowLeaveNoFileDescriptorsOrThreadsBehind()
    {
        KvmFixture.SkipUnlessKvm();
        RunHelloOnce(); // first use loads code and native libraries; count after it
        int fdsBefore = ProcessResources.KvmFileDescriptors();
        int threadsBefore = ProcessResources.VcpuThreads();
        for (int i = 0; i < 20; i++)
        {
            RunHelloOnce();
        }

        Assert.Equal(fdsBefore, ProcessResources.KvmFileDescriptors());
        Assert.Equal(0, threadsBefore);
        Assert.Equal(0, ProcessResources.VcpuThreads());

        static void RunHelloOnce()
        {
            using KvmHypervisor kvm = KvmHypervisor.Open();
            using Machine machine = KvmFixture.CreateMachine(kvm, new HelloGuest(), 4);
            machine.Start();
            MachineExit exit = machine.WaitForExit(s_limit);
            Assert.True(exit.Passed, exit.ToString());
        }
    }

    [Fact]
    public void HotExitPathAllocatesNothingOverAHundredThousandExits()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        const long exits = 101_000 + Core.Vcpu.VcpuThread.WarmupExits;
        using Machine machine = KvmFixture.CreateMachine(kvm, new ExitsGuest(), 1, arguments: new() { ["iterations"] = exits.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        machine.Start();
        MachineExit exit = machine.WaitForExit(TimeSpan.FromMinutes(5));
        Assert.True(exit.Passed, exit.ToString());
        machine.Dispose();

        Core.Vcpu.VcpuThread vcpu = machine.Vcpus[0];
        Assert.True(vcpu.ExitsAfterWarmup >= 100_000, $"only {vcpu.ExitsAfterWarmup} exits after warm-up");
        Assert.Equal(0, vcpu.AllocatedBytesAfterWarmup);
        Assert.Equal(exits, machine.BenchCounter.Count);
    }

    [Fact]
    public void RegistersRoundTripThroughTheKernel()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using Machine machine = KvmFixture.CreateMachine(kvm, new HelloGuest(), 1);
        Core.Hypervisor.IVirtualProcessor vp = machine.Processors[0];
        var regs = new StandardRegisters
        {
            Rax = 0x1111, Rbx = 0x2222, Rcx = 0x3333, Rdx = 0x4444, Rsi = 0x5555, Rdi = 0x6666, Rsp = 0x7770, Rbp = 0x8888,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15, Rip = 0x10_0000, Rflags = 0x2,
        };
        vp.SetRegisters(regs);
        vp.GetRegisters(out StandardRegisters back);
        Assert.Equal(regs, back);

        vp.GetSpecialRegisters(out SpecialRegisters s);
        s.Cr2 = 0xDEAD_B000;
        s.Cr8 = 0x5;
        vp.SetSpecialRegisters(s);
        vp.GetSpecialRegisters(out SpecialRegisters sBack);
        Assert.Equal(s.Cr2, sBack.Cr2);
        Assert.Equal(s.Cr8, sBack.Cr8);
        Assert.Equal(s.Cr3, sBack.Cr3);
        Assert.Equal(s.Cs, sBack.Cs);
        Assert.Equal(s.Tr, sBack.Tr);
        Assert.Equal(s.Gdt, sBack.Gdt);
        Assert.Equal(s.Efer, sBack.Efer);
    }

    [Fact]
    public void GuestTscIsReadableThroughPlatformMsrsAndItsFrequencyIsKnown()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using Machine machine = KvmFixture.CreateMachine(kvm, new HelloGuest(), 1);
        Span<MsrEntry> tsc = [new MsrEntry(0x10)]; // IA32_TIME_STAMP_COUNTER
        machine.Processors[0].GetMsrs(tsc);
        ulong first = tsc[0].Value;
        Thread.Sleep(2);
        machine.Processors[0].GetMsrs(tsc);
        Assert.True(tsc[0].Value > first, $"TSC did not advance: {first} then {tsc[0].Value}");
        Assert.InRange(machine.Partition.TscFrequencyHz, 100_000_000UL, 10_000_000_000UL);
        Assert.Equal(new byte[] { 0xF3, 0x0F, 0x1E, 0xFA, 0xE6, 0xE8, 0xC3 }, machine.Partition.HypercallPageCode.ToArray());
    }

    [Fact]
    public void HvProbeCatchesAKvmSignatureWhenTheHypervisorLeavesAreNotHidden()
    {
        // Negative control for the default CPUID policy: keep KVM's own 0x40000000 leaves and the probe must fail
        // exactly on the signature scan.
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        MachineExit exit;
        using (Machine machine = Machine.Create(
            kvm,
            new MachineOptions { ProcessorCount = 1, MemorySize = 64UL << 20, SerialOutput = serial, CpuidPolicy = supported => supported },
            new BuiltInGuestLoader(new HvProbeGuest()),
            Serilog.Core.Logger.None))
        {
            machine.Start();
            exit = machine.WaitForExit(s_limit);
        }

        string text = Encoding.ASCII.GetString(serial.ToArray());
        Assert.False(exit.Passed, text);
        Assert.Contains("failed check 0: no KVM signature at any CPUID leaf", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryVcpuAppliesFlushesThroughTheStealTimeBit()
    {
        // The fixture's machines use kick-and-wait (MachineOptions' default strategy). Each target
        // takes its flush one of two ways, both through its steal-time byte: kicked, it leaves the guest and posts
        // KVM_VCPU_FLUSH_TLB itself before it re-enters (counted in Applied); reported preempted by KVM (upstream
        // KVM does, PVM never), the requester adds the bit by CAS instead (counted in Deferred). Either way KVM
        // must consume the bit at the target's next entry.
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using Machine machine = KvmFixture.CreateMachine(kvm, new SpinGuest(), 4);
        Assert.All(machine.Processors, p => Assert.True(((KvmVirtualProcessor)p).UsesStealTimeFlush));
        machine.Start();
        WaitUntil(() => machine.Vcpus.All(v => v.TlbState.IsInGuest), "vCPUs never entered the guest");
        Core.TlbFlush.TlbFlushResult result = machine.TlbFlush.Flush(0, Core.TlbFlush.TlbFlushRequest.For(1, 2, 3));
        Assert.True(result.Complete);
        Assert.Equal(3, result.Targets);
        WaitUntil(() => machine.Vcpus.Skip(1).Count(v => v.TlbState.Applied >= 1) + result.Deferred >= 3, "a kicked target never applied its flush");
        WaitUntil(
            () => machine.Processors.Skip(1).All(p => (((KvmVirtualProcessor)p).StealTimePreemptedByte & 2) == 0),
            "KVM never consumed a posted KVM_VCPU_FLUSH_TLB");
    }

    [Fact]
    public void AFlushDeferredByCasOnAPreemptedVcpuIsConsumedByKvmWhenItRunsAgain()
    {
        // The deferral path of the flush engine on real KVM. This host never marks a vCPU preempted
        // (docs/kvm-host.md#preempted), so the test writes KVM_VCPU_PREEMPTED itself, as KVM does at a vcpu_put, while
        // the vCPU has not run yet; the CAS must then add KVM_VCPU_FLUSH_TLB, and KVM's record_steal_time at the
        // vCPU's next entry must consume both bits (it flushes the guest TLB when FLUSH_TLB is set).
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using Machine machine = KvmFixture.CreateMachine(kvm, new SpinGuest(), 2);
        var target = (KvmVirtualProcessor)machine.Processors[1];
        Assert.True(target.UsesStealTimeFlush);
        Assert.False(target.TryDeferFlushWhileDescheduled());       // not reported preempted: the caller must kick
        Assert.Equal(0, target.StealTimePreemptedByte);

        target.SetStealTimePreemptedByte(1);                          // KVM_VCPU_PREEMPTED
        Assert.True(target.TryDeferFlushWhileDescheduled());
        Assert.Equal(1 | 2, target.StealTimePreemptedByte);          // PREEMPTED | FLUSH_TLB
        Assert.False(machine.Vcpus[1].TlbState.HasPending);          // nothing queued: only KVM can clear the byte

        machine.Start();
        WaitUntil(() => machine.Vcpus.All(v => v.TlbState.IsInGuest), "vCPUs never entered the guest");

        // KVM exchanges the byte for 0 at the entry and flushes; on upstream KVM it may already be PREEMPTED again
        // (the vCPU thread shares host CPUs with this one), so only the FLUSH_TLB bit tells.
        WaitUntil(() => (target.StealTimePreemptedByte & 2) == 0, "KVM never consumed the deferred flush");
    }

    private static void WaitUntil(Func<bool> condition, string failure)
    {
        long deadline = Environment.TickCount64 + 30_000;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, failure);
            Thread.Sleep(1);
        }
    }
}
