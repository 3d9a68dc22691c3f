namespace Vmm.Whp;

/// <summary>
/// The code the VMM writes into the guest's hypercall page on WHP (docs/design.md#hypercall-transport): the vendor's
/// hypercall instruction, which the HypercallExit extended exit hands to us, then RET
/// (TLFS "Hypercall Page"; docs/hyperv.md#hypercall-page).
/// </summary>
internal static class WhpHypercallPage
{
    /// <summary>`vmcall; ret` (Intel VMX).</summary>
    internal static readonly byte[] Intel = [0x0F, 0x01, 0xC1, 0xC3];

    /// <summary>`vmmcall; ret` (AMD SVM, and Hygon).</summary>
    internal static readonly byte[] Amd = [0x0F, 0x01, 0xD9, 0xC3];

    /// <summary>Picks the code for the CPU whose CPUID leaf 0 returned <paramref name="ebx"/>, <paramref name="edx"/>, <paramref name="ecx"/>.</summary>
    /// <remarks>"AuthenticAMD" and "HygonGenuine" use VMMCALL; everything else (GenuineIntel, ...) VMCALL.</remarks>
    internal static byte[] ForVendor(uint ebx, uint edx, uint ecx)
    {
        // The 12-byte vendor string is EBX, EDX, ECX (SDM Vol. 2A CPUID leaf 0).
        bool amd = (ebx, edx, ecx) is (0x6874_7541, 0x6974_6E65, 0x444D_4163) // "Auth" "enti" "cAMD"
            or (0x6F67_7948, 0x6E65_476E, 0x656E_6975); // "Hygo" "nGen" "uine"
        return amd ? Amd : Intel;
    }
}
