using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `spin`: every vCPU drops to CPL3 and spins without exits until the VM is stopped. The workload for kick
/// latency and "no lost kick" tests: a spinning vCPU only leaves the guest when the VMM kicks it.
/// </summary>
public sealed class SpinGuest : IBuiltInGuest
{
    /// <summary>Address of vCPU i's progress counter (one cache line each), incremented as it spins.</summary>
    public static ulong CounterAddress(int processor) => GuestCodeBuilder.DataBase + ((ulong)processor * 64);

    /// <inheritdoc />
    public string Name => "spin";

    /// <inheritdoc />
    public string Description => "every vCPU spins at CPL3 without exits until the VM is stopped (stop it with Ctrl-C or --timeout)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>();

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label user = a.CreateLabel("user");

        a.Label(ref entry);
        a.mov(rbx, rdi);
        a.shl(rbx, 6);
        a.mov(rax, GuestCodeBuilder.DataBase);
        a.add(rbx, rax);                        // RBX = this vCPU's counter
        g.EnterUserMode(user);
        a.Label(ref user);                      // CPL3: spin, counting, with no exits
        a.inc(__qword_ptr[rbx]);
        a.jmp(user);
        return g.Build(entry);
    }
}
