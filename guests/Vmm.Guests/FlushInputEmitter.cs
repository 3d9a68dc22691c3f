using Iced.Intel;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// Emits the input blocks of the remote-flush hypercalls for a set of target vCPUs, one code path per
/// <see cref="FlushVariant"/>, shared by the guests that prove flush coherence. Target sets are 64-bit masks of vCPU
/// indices; a table (<see cref="EmitVpTable"/>) turns each vCPU index into its VP index, so `--vp-index` layouts
/// with sparse banks are exercised.
/// </summary>
/// <remarks>
/// Register contract of the emitted code. In: RAX the variant index (<see cref="EmitDispatch"/>); RDI the input
/// block, 8-byte aligned, with <see cref="BanksScratch"/> bytes after it zero and in the same page (the sparse
/// bank words are gathered there and left zero again); R10 AddressSpace; R11 Flags; R15 the target vCPU mask; the
/// GVA register given to the constructor, the page the List calls name. Out: RCX the hypercall input value,
/// R9 the RAX a fully successful call returns, RDI unchanged. Clobbers RAX, RBX, RDX, RSI, R8, R11.
/// </remarks>
internal sealed class FlushInputEmitter
{
    /// <summary>Offset from the input block of 64 qwords of bank scratch (an input block is at most 552 bytes).</summary>
    public const int BanksScratch = VpSetEmitter.BanksScratch;

    private readonly GuestCodeBuilder _g;
    private readonly IReadOnlyList<FlushVariant> _variants;
    private readonly IReadOnlyList<int> _vpIndices;
    private readonly ulong _named;
    private readonly AssemblerRegister64 _gva;
    private Label _vpTable;

    /// <summary>Creates the emitter.</summary>
    /// <param name="g">The guest being built.</param>
    /// <param name="variants">The variants, indexed by RAX at <see cref="EmitDispatch"/>.</param>
    /// <param name="vpIndices">The VP index of each vCPU.</param>
    /// <param name="named">vCPUs that may be named in a set (a negative control leaves one out); ~0 for all.</param>
    /// <param name="gva">The register holding the GVA the List calls flush (not one the code clobbers).</param>
    public FlushInputEmitter(GuestCodeBuilder g, IReadOnlyList<FlushVariant> variants, IReadOnlyList<int> vpIndices, ulong named, AssemblerRegister64 gva)
    {
        _g = g;
        _variants = variants;
        _vpIndices = vpIndices;
        _named = named;
        _gva = gva;
        _vpTable = A.CreateLabel("vp_table");
    }

    private Assembler A => _g.Asm;

    /// <summary>Builds the input of variant RAX and jumps to <paramref name="call"/>.</summary>
    public void EmitDispatch(Label call)
    {
        _g.Switch(_variants.Count, v => Emit(_variants[v]), call);
        A.ud2();                                        // unreachable: variant index out of range
    }

    /// <summary>The vCPU → VP index table (one qword per vCPU); emit it once, outside the code paths.</summary>
    public void EmitVpTable() => VpSetEmitter.EmitTable(A, ref _vpTable, _vpIndices);

    /// <summary>
    /// Prints "hypercall NAME failed in round R: RAX = X (...)" and a newline, from the variant index, round and
    /// result at three memory operands (their base registers must survive printing: not RAX, RBX, RCX, RDX, R9).
    /// </summary>
    public void EmitPrintFailure(AssemblerMemoryOperand variant, AssemblerMemoryOperand round, AssemblerMemoryOperand result)
    {
        Label named = A.CreateLabel();
        _g.Print(_g.String("hypercall "));
        for (int v = 0; v < _variants.Count - 1; v++)
        {
            Label skip = A.CreateLabel();
            A.cmp(variant, v);
            A.jne(skip);
            _g.Print(_g.String(_variants[v].Name));
            A.jmp(named);
            A.Label(ref skip);
        }

        _g.Print(_g.String(_variants[^1].Name));
        A.Label(ref named);
        _g.Print(_g.String(" failed in round "));
        A.mov(rax, round);
        _g.PrintRaxDecimal();
        _g.Print(_g.String(": RAX = "));
        A.mov(rax, result);
        _g.PrintRaxDecimal();
        _g.Print(_g.String(" (status in bits 15:0, reps completed in 43:32)\n"));
    }

    /// <summary>
    /// Loads RDX and R8 for the call whose input value is in RCX and whose input block is at RDI: the block's GPA and
    /// no output GPA, or, for an XMM-fast form (control bit 16), the block's first 16 bytes (the rest is already in
    /// XMM0-XMM5; TLFS "XMM Fast Hypercalls"). Clobbers nothing else.
    /// </summary>
    public void EmitCallRegisters()
    {
        Label slow = A.CreateLabel();
        A.mov(rdx, rdi);
        A.xor(r8d, r8d);
        A.bt(rcx, 16);
        A.jnc(slow);
        A.mov(r8, __qword_ptr[rdi + 8]);
        A.mov(rdx, __qword_ptr[rdi]);
        A.Label(ref slow);
    }

    private void Emit(FlushVariant v)
    {
        EmitInput(v);
        if (v.Fast)
        {
            // The same block, in registers: its first 16 bytes go in RDX:R8 at the call (EmitCallRegisters), the
            // next 96 in XMM0-XMM5 in input order; the VMM reads only the registers the input size needs.
            A.bts(rcx, 16);                             // control word: Fast
            AssemblerRegisterXMM[] xmms = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5];
            for (int i = 0; i < xmms.Length; i++)
            {
                A.movdqu(xmms[i], __xmmword_ptr[rdi + 16 + (16 * i)]);
            }
        }
    }

    private void EmitInput(FlushVariant v)
    {
        // Header: AddressSpace, Flags (TLFS HvCallFlushVirtualAddressSpace / ...Ex: both 8 bytes at offsets 0 and 8).
        A.mov(__qword_ptr[rdi], r10);
        if (v.All && !v.Ex)
        {
            A.or(r11d, (int)HvFlushFlags.AllProcessors);
        }

        A.mov(__qword_ptr[rdi + 8], r11);
        A.lea(r8, __[_vpTable]);
        ulong code = (ulong)v.Code | (v.List ? 1UL << HypercallInput.RepCountShift : 0);
        A.mov(r9, v.List ? 1UL << 32 : 0UL);            // status 0; one rep completed for the list calls
        if (!v.Ex)
        {
            // ProcessorMask: bit VpIndex(t) for each target (ignored with ALL_PROCESSORS, but filled anyway).
            VpSetEmitter.EmitProcessorMask(A, _named, 16);
            if (v.List)
            {
                A.mov(__qword_ptr[rdi + 24], _gva);     // one GVA entry: the page, 0 additional pages
            }

            A.mov(rcx, code);
            return;
        }

        if (v.All)
        {
            VpSetEmitter.EmitSetAll(A, 16);
            A.mov(rcx, code);
            return;
        }

        VpSetEmitter.EmitSparseSet(A, _named, 16);
        if (v.List)
        {
            A.mov(__qword_ptr[rdi + r8 * 8 + 32], _gva);
        }

        A.mov(rcx, r8);
        A.shl(rcx, HypercallInput.VariableHeaderSizeShift);
        A.mov(rax, code);
        A.or(rcx, rax);
    }
}
