using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// The architectural MSRs WHP exposes as VP registers (WinHvPlatformDefs.h WHV_REGISTER_NAME 0x2000+), for
/// <see cref="Core.Hypervisor.IVirtualProcessor.GetMsrs"/>/<see cref="Core.Hypervisor.IVirtualProcessor.SetMsrs"/>.
/// MSR numbers from the SDM Vol. 4 MSR index.
/// </summary>
internal static class WhpMsrRegisters
{
    // 0xFFFFFFFF is not a register name (WHV_REGISTER_NAME values stop well below it).
    private const WHV_REGISTER_NAME NoRegister = unchecked((WHV_REGISTER_NAME)0xFFFF_FFFF);

    /// <summary>The WHV register that holds MSR <paramref name="msr"/>; false when WHP has none.</summary>
    internal static bool TryGetRegister(uint msr, out WHV_REGISTER_NAME name)
    {
        name = msr switch
        {
            0x0000_0010 => WHV_REGISTER_NAME.WHvX64RegisterTsc,          // IA32_TIME_STAMP_COUNTER
            0x0000_001B => WHV_REGISTER_NAME.WHvX64RegisterApicBase,     // IA32_APIC_BASE
            0x0000_0048 => WHV_REGISTER_NAME.WHvX64RegisterSpecCtrl,     // IA32_SPEC_CTRL
            0x0000_0174 => WHV_REGISTER_NAME.WHvX64RegisterSysenterCs,   // IA32_SYSENTER_CS
            0x0000_0175 => WHV_REGISTER_NAME.WHvX64RegisterSysenterEsp,  // IA32_SYSENTER_ESP
            0x0000_0176 => WHV_REGISTER_NAME.WHvX64RegisterSysenterEip,  // IA32_SYSENTER_EIP
            0x0000_0277 => WHV_REGISTER_NAME.WHvX64RegisterPat,          // IA32_PAT
            0x0000_02FF => WHV_REGISTER_NAME.WHvX64RegisterMsrMtrrDefType, // IA32_MTRR_DEF_TYPE
            0x0000_06E0 => WHV_REGISTER_NAME.WHvX64RegisterTscDeadline,  // IA32_TSC_DEADLINE
            0xC000_0080 => WHV_REGISTER_NAME.WHvX64RegisterEfer,         // IA32_EFER
            0xC000_0081 => WHV_REGISTER_NAME.WHvX64RegisterStar,         // IA32_STAR
            0xC000_0082 => WHV_REGISTER_NAME.WHvX64RegisterLstar,        // IA32_LSTAR
            0xC000_0083 => WHV_REGISTER_NAME.WHvX64RegisterCstar,        // IA32_CSTAR
            0xC000_0084 => WHV_REGISTER_NAME.WHvX64RegisterSfmask,       // IA32_FMASK
            0xC000_0102 => WHV_REGISTER_NAME.WHvX64RegisterKernelGsBase, // IA32_KERNEL_GS_BASE
            0xC000_0103 => WHV_REGISTER_NAME.WHvX64RegisterTscAux,       // IA32_TSC_AUX
            _ => NoRegister,
        };
        return name != NoRegister;
    }
}
