using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hello`: vCPU 0 prints a greeting with the vCPU count through COM1 (polling LSR like a real driver) and ends
/// the VM with status 0; the other vCPUs park. The default guest of `vmm run`.
/// </summary>
public sealed class HelloGuest : IBuiltInGuest
{
    /// <summary>The first line the guest prints, up to the vCPU count.</summary>
    public const string Greeting = "Hello from a vmm guest: vCPU 0 of ";

    /// <inheritdoc />
    public string Name => "hello";

    /// <inheritdoc />
    public string Description => "prints a greeting through the 16550 UART on COM1 and exits with status 0";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>();

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        var g = new GuestCodeBuilder();
        var a = g.Asm;
        var entry = a.CreateLabel("entry");
        var bsp = a.CreateLabel("bsp");
        var greeting = g.String(Greeting);
        var tail = g.String(", 64-bit long mode, CPL 0\n");

        a.Label(ref entry);
        a.test(edi, edi);
        a.jz(bsp);
        g.KernelPark();

        a.Label(ref bsp);
        a.mov(r12, rsi);            // vCPU count survives the print routines in R12
        g.Print(greeting);
        a.mov(rax, r12);
        g.PrintRaxDecimal();
        g.Print(tail);
        g.Exit(0);
        return g.Build(entry);
    }
}
