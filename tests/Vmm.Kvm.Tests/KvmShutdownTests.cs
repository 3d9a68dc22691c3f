using System.Runtime.Versioning;
using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.Core.Registers;

namespace Vmm.Kvm.Tests;

/// <summary>
/// A triple fault (KVM_EXIT_SHUTDOWN) and what its diagnostic may claim about where it happened. KVM on AMD SVM
/// resets the vCPU at a shutdown intercept before the exit reaches userspace (arch/x86/kvm/svm/svm.c,
/// shutdown_interception), so there every triple fault shows RIP 0xFFF0; other flavours keep the faulting RIP. And a
/// double fault from a bad stack, which the environment's #DF stack (IST1) turns from a shutdown into a report.
/// </summary>
[Collection(KvmCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class KvmShutdownTests
{
    private const ulong Code = 0x10_0000;
    private const ulong Ud2 = Code + 7;

    // lidt [rip+2]; ud2; then the 10-byte IDTR operand, all zeros: #UD finds an empty IDT (#GP), so does the #GP
    // (#DF), and so does the #DF: shutdown (SDM Vol. 3 §6.15, interrupt 8).
    private static readonly byte[] s_tripleFault = [0x0F, 0x01, 0x1D, 0x02, 0x00, 0x00, 0x00, 0x0F, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    // mov rsp, 0x8000000000000000 (not canonical); push rax: #SS, whose delivery pushes onto the same RSP and faults
    // again: #DF (SDM Vol. 3 §6.15, interrupt 8, "Contributory Exceptions").
    private static readonly byte[] s_badStackPush = [0x48, 0xBC, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x50, 0xF4];

    [Fact]
    public void ADoubleFaultFromABadStackIsDeliveredOnItsOwnStackAndReportedNotATripleFault()
    {
        KvmFixture.SkipUnlessKvm();
        (VcpuRunResult result, MarkerPortHandler exits) = RunOnce(s_badStackPush, clearDoubleFaultIst: false);
        Assert.True(result.Kind == VcpuExitKind.Continue && exits.ExitStatuses.Count == 1, $"{result}; statuses: {string.Join(", ", exits.ExitStatuses)}");
        Assert.Equal(GuestExitStatus.UnexpectedVectorBase | 8, exits.ExitStatuses[0]);
    }

    [Fact]
    public void WithoutItsOwnStackTheSameDoubleFaultShutsTheVcpuDown()
    {
        // Negative control for the test above: the #DF gate without IST1 pushes onto the bad stack too.
        KvmFixture.SkipUnlessKvm();
        (VcpuRunResult result, MarkerPortHandler exits) = RunOnce(s_badStackPush, clearDoubleFaultIst: true);
        Assert.True(result.Kind == VcpuExitKind.Shutdown, $"{result}; statuses: {string.Join(", ", exits.ExitStatuses)}");
        Assert.Empty(exits.ExitStatuses);
    }

    /// <summary>
    /// Runs <paramref name="code"/> at <see cref="Code"/> on one vCPU in the long-mode environment until it ends, shuts
    /// down or writes the exit port; <paramref name="inspect"/> sees the vCPU before it is released.
    /// </summary>
    private static (VcpuRunResult Result, MarkerPortHandler Exits) RunOnce(
        byte[] code, bool clearDoubleFaultIst, Action<KvmHypervisor, IVirtualProcessor, VcpuRunResult>? inspect = null)
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var memory = new GuestMemory([new GuestMemoryRegion(0, kvm.AllocateGuestMemory(16UL << 20))]);
        var env = LongModeEnvironment.Build(memory, 1);
        memory.Write(Code, code);
        if (clearDoubleFaultIst)
        {
            ulong gate = LongModeLayout.Idt + (8 * 16);
            memory.Write(gate, memory.Read<ulong>(gate) & ~(0x7UL << 32));
        }

        using IPartition partition = kvm.CreatePartition(new PartitionOptions
        {
            ProcessorCount = 1,
            Memory = memory,
            Cpuid = Machine.DefaultCpuidPolicy(kvm.GetSupportedCpuid()),
        });
        IVirtualProcessor vp = partition.Processors[0];
        vp.GetSpecialRegisters(out SpecialRegisters defaults);
        VcpuBootState boot = env.GetBootState(0, Code, defaults);
        vp.SetSpecialRegisters(boot.Special);
        vp.SetRegisters(boot.Registers);
        vp.PrepareRunThread();
        var exits = new MarkerPortHandler(1);
        try
        {
            VcpuRunResult result = default;
            for (int i = 0; i < 10; i++)
            {
                result = vp.Run(exits);
                if (result.Kind != VcpuExitKind.Canceled && !(result.Kind == VcpuExitKind.Continue && exits.ExitStatuses.Count == 0))
                {
                    break;
                }
            }

            inspect?.Invoke(kvm, vp, result);
            return (result, exits);
        }
        finally
        {
            vp.ReleaseRunThread();
        }
    }

    [Fact]
    public void ATripleFaultOnSvmIsReportedAsTheResetStateAndElsewhereAtTheFaultingInstruction()
    {
        KvmFixture.SkipUnlessKvm();
        RunOnce(s_tripleFault, clearDoubleFaultIst: false, (kvm, vp, result) =>
        {
            Assert.True(result.Kind == VcpuExitKind.Shutdown, result.ToString());
            vp.GetRegisters(out StandardRegisters regs);
            vp.GetSpecialRegisters(out SpecialRegisters sregs);
            string where = $"RIP 0x{regs.Rip:X}, CS base 0x{sregs.Cs.Base:X}: {result.Diagnostic}";
            if (kvm.Flavor == KvmFlavor.Svm)
            {
                // The fact the diagnostic explains: the registers are those of a reset, not of the ud2.
                Assert.True(regs.Rip == 0xFFF0 && sregs.Cs.Base == 0xFFFF_0000, where);
                Assert.Contains("INIT state, not where it faulted", result.Diagnostic);
            }
            else
            {
                // Negative control for the SVM wording: here the registers still say where the guest was.
                Assert.True(regs.Rip == Ud2, where);
                Assert.Contains($"near RIP 0x{Ud2:X}", result.Diagnostic);
                Assert.DoesNotContain("INIT state", result.Diagnostic);
            }
        });
    }
}
