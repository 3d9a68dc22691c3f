using Iced.Intel;
using Vmm.Core.Boot.X86;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// A vCPU's own page-table chain for the coherence guests' test addresses: seven pages (PML4, PDPT, PD, PT, then
/// three marker pages) whose PML4 slot 0 shares the environment's identity map and slot 1 (VA 512 GiB) leads to
/// the private PT. Private chains matter on shadow-paging hosts: shadow pages are shared VM-wide and one vCPU's
/// sync re-reads only what its own root reaches, so no vCPU's flush can repair another's translation of the test
/// addresses (docs/kvm-host.md#stale-translations).
/// </summary>
internal static class PrivateChain
{
    /// <summary>Bytes per chain.</summary>
    public const int Size = 0x7000;

    /// <summary>Offset of the PT that maps the test addresses.</summary>
    public const int PtOffset = 0x3000;

    /// <summary>Offset of the first of the three marker pages.</summary>
    public const int MarkerOffset = 0x4000;

    /// <summary>Leaf flags of a test-address PTE: P | US | A (read-only, so a stale mapping is only ever read).</summary>
    public const ulong LeafFlags = 0x25;

    /// <summary>Flags of the chain's non-leaf entries: P | RW | US | A.</summary>
    public const ulong TableFlags = 0x27;

    /// <summary>The first test address: PML4 slot 1, clear of the identity map in slot 0.</summary>
    public const ulong TestAddress = 0x80_0000_0000;

    /// <summary>
    /// Emits, at CPL0: RBX = <paramref name="tables"/> + R13 * <see cref="Size"/>; zeroes the chain and links
    /// PML4[0] = the environment's identity PDPT entry, PML4[1] → PDPT → PD → PT. The PT entries, the markers and
    /// the CR3 load are the caller's. Clobbers RAX, RCX, RDI.
    /// </summary>
    public static void EmitBuild(Assembler a, ulong tables)
    {
        a.imul(rbx, r13, Size);
        a.mov(rax, tables);
        a.add(rbx, rax);
        a.mov(rdi, rbx);
        a.xor(eax, eax);
        a.mov(ecx, Size / 8);
        a.rep.stosq();
        a.mov(eax, (uint)LongModeLayout.Pml4);
        a.mov(rax, __qword_ptr[rax]);
        a.mov(__qword_ptr[rbx], rax);
        a.lea(rax, __[rbx + (0x1000 + (int)TableFlags)]);
        a.mov(__qword_ptr[rbx + 8], rax);               // PML4[1] → PDPT
        a.lea(rax, __[rbx + (0x2000 + (int)TableFlags)]);
        a.mov(__qword_ptr[rbx + 0x1000], rax);          // PDPT[0] → PD
        a.lea(rax, __[rbx + (PtOffset + (int)TableFlags)]);
        a.mov(__qword_ptr[rbx + 0x2000], rax);          // PD[0] → PT
    }

    /// <summary>
    /// Emits the markers a read of a test address may return in epoch e, given RDX = e mod 3 and marker page m
    /// holding <paramref name="markerBase"/> + m: i = 0 the current page (e mod 3), 1 the next ((e + 1) mod 3: the
    /// sender may have stored the next PTE already), 2 the page from before the last completed flush ((e + 2) mod 3:
    /// a stale read). Marker i goes to <paramref name="target"/>(i), after which <paramref name="then"/>(i) runs.
    /// Clobbers RDX.
    /// </summary>
    public static void EmitEpochMarkers(Assembler a, AssemblerRegister64 markerBase, Func<int, AssemblerRegister64> target, Action<int>? then = null)
    {
        for (int i = 0; i < 3; i++)
        {
            a.lea(target(i), __[markerBase + rdx]);
            then?.Invoke(i);
            if (i < 2)
            {
                Label wrapped = a.CreateLabel();
                a.inc(edx);
                a.cmp(edx, 3);
                a.jb(wrapped);
                a.xor(edx, edx);
                a.Label(ref wrapped);
            }
        }
    }
}
