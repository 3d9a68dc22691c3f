using Vmm.Core.Hypervisor;

namespace Vmm.Whp.Tests;

public sealed class WhpHypervisorGuardTests
{
    [Fact]
    public void Open_off_windows_says_it_needs_windows()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.False(WhpHypervisor.IsAvailable(out string reason));
        Assert.Contains("Windows", reason, StringComparison.Ordinal);
        HypervisorUnavailableException ex = Assert.Throws<HypervisorUnavailableException>(() => WhpHypervisor.Open());
        Assert.Contains("needs Windows", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x756E_6547u, 0x4965_6E69u, 0x6C65_746Eu, new byte[] { 0x0F, 0x01, 0xC1, 0xC3 })] // GenuineIntel: vmcall; ret
    [InlineData(0x6874_7541u, 0x6974_6E65u, 0x444D_4163u, new byte[] { 0x0F, 0x01, 0xD9, 0xC3 })] // AuthenticAMD: vmmcall; ret
    [InlineData(0x6F67_7948u, 0x6E65_476Eu, 0x656E_6975u, new byte[] { 0x0F, 0x01, 0xD9, 0xC3 })] // HygonGenuine
    public void Hypercall_page_follows_the_vendor(uint ebx, uint edx, uint ecx, byte[] expected) =>
        Assert.Equal(expected, WhpHypercallPage.ForVendor(ebx, edx, ecx));

    [Fact]
    public void Msr_registers_cover_tsc_efer_apic_base_and_reject_others()
    {
        Assert.True(WhpMsrRegisters.TryGetRegister(0x10, out var tsc));
        Assert.Equal(Vmm.Whp.Interop.WinHvPlatform.WHV_REGISTER_NAME.WHvX64RegisterTsc, tsc);
        Assert.True(WhpMsrRegisters.TryGetRegister(0xC000_0080, out _));
        Assert.True(WhpMsrRegisters.TryGetRegister(0x1B, out _));
        Assert.False(WhpMsrRegisters.TryGetRegister(0x4000_0000, out _));
    }

    [Fact]
    public void Cpuid_exit_list_is_leaf_1_plus_the_tables_hypervisor_leaves()
    {
        var table = new CpuidTable([new CpuidEntry(0, 0, false, 0xD, 0, 0, 0), new CpuidEntry(0x4000_0003, 0, false, 1, 2, 3, 4), new CpuidEntry(0x4000_0000, 0, false, 0, 0, 0, 0)]);
        Assert.Equal([1u, 0x4000_0000u, 0x4000_0003u], WhpCpuidPolicy.ExitLeaves(table));
        Assert.Equal(2, WhpCpuidPolicy.ResultListEntries(table).Length);
    }
}
