namespace Vmm.Core.Hypervisor;

/// <summary>One CPUID leaf/subleaf and its result registers.</summary>
/// <param name="Function">Leaf (EAX input).</param>
/// <param name="Index">Subleaf (ECX input); ignored unless <paramref name="IndexSignificant"/>.</param>
/// <param name="IndexSignificant">Whether the subleaf selects the result (KVM_CPUID_FLAG_SIGNIFCANT_INDEX).</param>
/// <param name="Eax">EAX result.</param>
/// <param name="Ebx">EBX result.</param>
/// <param name="Ecx">ECX result.</param>
/// <param name="Edx">EDX result.</param>
public readonly record struct CpuidEntry(uint Function, uint Index, bool IndexSignificant, uint Eax, uint Ebx, uint Ecx, uint Edx);
