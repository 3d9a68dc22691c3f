using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `smp`: every vCPU drops to CPL3 (native on PVM hosts) and adds 1 to a shared counter `iterations` times with
/// LOCK INC, then counts itself done. vCPU 0 waits for all at CPL3, climbs to CPL0 through #UD, prints the total
/// and the expected total, and exits with 0 only if they are equal; the others park.
/// </summary>
public sealed class SmpGuest : IBuiltInGuest
{
    /// <summary>Default increments per vCPU.</summary>
    public const long DefaultIterations = 1_000_000;

    private const ulong CounterAddress = GuestCodeBuilder.DataBase;
    private const ulong DoneAddress = GuestCodeBuilder.DataBase + 64; // its own cache line

    /// <inheritdoc />
    public string Name => "smp";

    /// <inheritdoc />
    public string Description => "every vCPU adds to a shared counter at CPL3; vCPU 0 reports the exact total";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["iterations"] = $"increments per vCPU (default {DefaultIterations})",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long iterations = context.GetInt64("iterations", DefaultIterations, 1, int.MaxValue);
        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label user = a.CreateLabel("user");
        Label add = a.CreateLabel("add");
        Label wait = a.CreateLabel("wait");
        Label mismatch = a.CreateLabel("mismatch");
        Label leave = a.CreateLabel("leave");
        Label report = a.CreateLabel("report");
        Label bsp = a.CreateLabel("bsp");
        Label prefix = g.String("smp: ");
        Label times = g.String(" vCPUs x ");
        Label equals = g.String(" increments = ");
        Label expected = g.String(" (expected ");
        Label close = g.String(")\n");

        a.Label(ref entry);
        a.mov(r12, rsi);                        // vCPU count
        a.mov(r13, rdi);                        // vCPU index
        g.EnterUserMode(user);

        a.Label(ref user);                      // CPL3 from here on: native speed on PVM hosts
        a.mov(rcx, iterations);
        a.mov(rax, CounterAddress);
        a.Label(ref add);
        a.@lock.inc(__qword_ptr[rax]);
        a.dec(rcx);
        a.jnz(add);
        a.mov(rax, DoneAddress);
        a.@lock.inc(__qword_ptr[rax]);
        a.test(r13, r13);
        a.jnz(leave);
        a.Label(ref wait);                      // vCPU 0 waits at CPL3 (native) for every vCPU to finish
        a.pause();
        a.mov(rax, DoneAddress);
        a.mov(rax, __qword_ptr[rax]);
        a.cmp(rax, r12);
        a.jb(wait);
        a.Label(ref leave);
        a.ud2();                                // up to CPL0 through #UD: port I/O is CPL0-only here

        // #UD handler (CPL0). Guest user mode is host user mode on PVM hosts, so IOPL=3 does not open the
        // ports to CPL3 code: the report is printed from here.
        a.Label(ref report);
        a.test(r13, r13);
        a.jz(bsp);
        g.KernelPark();
        a.Label(ref bsp);
        g.Print(prefix);
        a.mov(rax, r12);
        g.PrintRaxDecimal();
        g.Print(times);
        a.mov(rax, iterations);
        g.PrintRaxDecimal();
        g.Print(equals);
        a.mov(rax, CounterAddress);
        a.mov(rax, __qword_ptr[rax]);
        g.PrintRaxDecimal();
        g.Print(expected);
        a.mov(rax, r12);
        a.mov(rcx, iterations);
        a.imul(rax, rcx);
        a.mov(r14, rax);                        // expected total
        g.PrintRaxDecimal();
        g.Print(close);

        a.mov(rax, CounterAddress);
        a.mov(rax, __qword_ptr[rax]);
        a.cmp(rax, r14);
        a.jne(mismatch);
        g.Exit(0);
        a.Label(ref mismatch);
        g.Exit(1);
        g.SetGate(6, report);
        return g.Build(entry);
    }
}
