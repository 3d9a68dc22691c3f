using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// Emits the processor sets of the hypercalls that name VPs, shared by the flush inputs (<see cref="FlushInputEmitter"/>)
/// and the cluster-IPI inputs (`hvipi`): a 64-bit ProcessorMask (bit n = VP n) or an HV_VP_SET (TLFS
/// datatypes/hv_vp_set: Format, ValidBanksMask, one bank QWORD per mask bit in ascending bank order).
/// </summary>
/// <remarks>
/// Register contract. In: R15 the target vCPU mask; R8 the vCPU → VP index table (<see cref="EmitTable"/>); RDI the
/// input block, 8-byte aligned, with <see cref="BanksScratch"/> bytes after it zero and in the same page (the sparse
/// bank words are gathered there and left zero again).
/// </remarks>
internal static class VpSetEmitter
{
    /// <summary>Offset from the input block of 64 qwords of bank scratch (an input block is at most 552 bytes).</summary>
    public const int BanksScratch = 0x800;

    /// <summary>HV_VP_SET Format HV_GENERIC_SET_SPARSE_4K.</summary>
    public const int FormatSparse4K = 0;

    /// <summary>HV_VP_SET Format HV_GENERIC_SET_ALL.</summary>
    public const int FormatAll = 1;

    /// <summary>The vCPU → VP index table (one qword per vCPU) at <paramref name="label"/>; emit it outside the code paths.</summary>
    public static void EmitTable(Assembler a, ref Label label, IReadOnlyList<int> vpIndices)
    {
        a.Label(ref label);
        foreach (int vp in vpIndices)
        {
            a.db(BitConverter.GetBytes((ulong)vp));
        }
    }

    /// <summary>
    /// Writes at RDI + <paramref name="offset"/> the ProcessorMask of the vCPUs in R15 ∩ <paramref name="named"/>:
    /// bit VpIndex(t) for each. Clobbers RBX, RCX, RSI.
    /// </summary>
    public static void EmitProcessorMask(Assembler a, ulong named, int offset)
    {
        Label loop = a.CreateLabel();
        Label done = a.CreateLabel();
        a.mov(rbx, named);
        a.and(rbx, r15);
        a.xor(esi, esi);
        a.Label(ref loop);
        a.test(rbx, rbx);
        a.jz(done);
        a.bsf(rcx, rbx);
        a.btr(rbx, rcx);
        a.mov(rcx, __qword_ptr[r8 + rcx * 8]);
        a.bts(rsi, rcx);
        a.jmp(loop);
        a.Label(ref done);
        a.mov(__qword_ptr[rdi + offset], rsi);
    }

    /// <summary>HV_GENERIC_SET_ALL at RDI + <paramref name="offset"/> (ValidBanksMask 0, no banks).</summary>
    public static void EmitSetAll(Assembler a, int offset)
    {
        a.mov(__qword_ptr[rdi + offset], FormatAll);
        a.mov(__qword_ptr[rdi + offset + 8], 0);
    }

    /// <summary>
    /// Writes at RDI + <paramref name="offset"/> the sparse HV_VP_SET of the vCPUs in R15 ∩ <paramref name="named"/>:
    /// bank = VP index / 64, bit = VP index % 64. Out: R8 = the number of bank QWORDs written (the call's variable
    /// header size, which must equal popcount(ValidBanksMask), docs/hyperv.md#flush-inputs, #kvm-comparison). Clobbers RAX, RBX, RCX, RDX, RSI.
    /// </summary>
    public static void EmitSparseSet(Assembler a, ulong named, int offset)
    {
        Label collect = a.CreateLabel();
        Label collected = a.CreateLabel();
        Label compact = a.CreateLabel();
        Label compacted = a.CreateLabel();
        a.mov(rbx, named);
        a.and(rbx, r15);
        a.xor(esi, esi);                                // ValidBanksMask
        a.Label(ref collect);
        a.test(rbx, rbx);
        a.jz(collected);
        a.bsf(rcx, rbx);
        a.btr(rbx, rcx);
        a.mov(rax, __qword_ptr[r8 + rcx * 8]);
        a.mov(rcx, rax);
        a.shr(rcx, 6);
        a.and(eax, 63);
        a.mov(rdx, __qword_ptr[rdi + rcx * 8 + BanksScratch]);
        a.bts(rdx, rax);
        a.mov(__qword_ptr[rdi + rcx * 8 + BanksScratch], rdx);
        a.bts(rsi, rcx);
        a.jmp(collect);
        a.Label(ref collected);
        a.mov(__qword_ptr[rdi + offset], FormatSparse4K);
        a.mov(__qword_ptr[rdi + offset + 8], rsi);
        a.mov(rbx, rsi);
        a.xor(r8d, r8d);                                // banks written
        a.Label(ref compact);
        a.test(rbx, rbx);
        a.jz(compacted);
        a.bsf(rcx, rbx);
        a.btr(rbx, rcx);
        a.mov(rax, __qword_ptr[rdi + rcx * 8 + BanksScratch]);
        a.mov(__qword_ptr[rdi + rcx * 8 + BanksScratch], 0);
        a.mov(__qword_ptr[rdi + r8 * 8 + offset + 16], rax);
        a.inc(r8);
        a.jmp(compact);
        a.Label(ref compacted);
    }
}
