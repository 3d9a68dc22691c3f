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
/// shutdown_interception), so there every triple fault shows RIP 0xFFF0; other flavours keep the faulting RIP.
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

    [Fact]
    public void ATripleFaultOnSvmIsReportedAsTheResetStateAndElsewhereAtTheFaultingInstruction()
    {
        KvmFixture.SkipUnlessKvm();
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var memory = new GuestMemory([new GuestMemoryRegion(0, kvm.AllocateGuestMemory(16UL << 20))]);
        var env = LongModeEnvironment.Build(memory, 1);
        memory.Write(Code, s_tripleFault);
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
        try
        {
            VcpuRunResult result = default;
            for (int i = 0; i < 10; i++)
            {
                result = vp.Run(new MarkerPortHandler(1));
                if (result.Kind != VcpuExitKind.Canceled)
                {
                    break;
                }
            }

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
        }
        finally
        {
            vp.ReleaseRunThread();
        }
    }
}
