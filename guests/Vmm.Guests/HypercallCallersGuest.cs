using Iced.Intel;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hccallers`: vCPU 0 makes null hypercalls (fast HvCallNotifyLongSpinWait) through the hypercall page from two
/// functions, <c>caller_alpha</c> (`call r11`) and <c>caller_beta</c> (`call qword ptr [rip+...]`), `alpha` and
/// `beta` times. The image publishes both functions' addresses (<see cref="GuestImage.Symbols"/>), so a hypercall
/// trace's callers can be checked against a symbol file: every call must resolve to the function that made it.
/// </summary>
public sealed class HypercallCallersGuest : IBuiltInGuest
{
    /// <summary>The symbol of the function that calls through a register.</summary>
    public const string AlphaSymbol = "caller_alpha";

    /// <summary>The symbol of the function that calls through a memory operand.</summary>
    public const string BetaSymbol = "caller_beta";

    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;

    /// <inheritdoc />
    public string Name => "hccallers";

    /// <inheritdoc />
    public string Description => "null hypercalls from two guest functions (caller_alpha, caller_beta), for checking traced callers (needs --hv with hypercalls)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["alpha"] = "calls from caller_alpha (default 100)",
        ["beta"] = "calls from caller_beta (default 50)",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long alpha = context.GetInt64("alpha", 100, 0, int.MaxValue);
        long beta = context.GetInt64("beta", 50, 0, int.MaxValue);
        if (!context.HyperV.Has(HyperVFeature.Hypercall))
        {
            throw new ArgumentException("guest 'hccallers' needs hypercalls enabled (--hv linux, or a profile with 'hypercall').");
        }

        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label bsp = a.CreateLabel("bsp");
        Label alphaFunction = a.CreateLabel(AlphaSymbol);
        Label betaFunction = a.CreateLabel(BetaSymbol);
        Label pagePointer = a.CreateLabel("page_pointer");
        Label alphaLoop = a.CreateLabel();
        Label betaLoop = a.CreateLabel();
        Label alphaDone = a.CreateLabel();
        Label betaDone = a.CreateLabel();
        Label failed = a.CreateLabel("failed");

        a.Label(ref entry);
        a.test(edi, edi);
        a.jz(bsp);
        g.KernelPark();

        a.Label(ref bsp);
        g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
        a.xor(r13d, r13d);                        // OR of every result: must stay 0
        a.mov(r12, (ulong)alpha);
        a.Label(ref alphaLoop);
        a.test(r12, r12);
        a.jz(alphaDone);
        a.call(alphaFunction);
        a.dec(r12);
        a.jmp(alphaLoop);
        a.Label(ref alphaDone);
        a.mov(r12, (ulong)beta);
        a.Label(ref betaLoop);
        a.test(r12, r12);
        a.jz(betaDone);
        a.call(betaFunction);
        a.dec(r12);
        a.jmp(betaLoop);
        a.Label(ref betaDone);
        a.test(r13, r13);
        a.jnz(failed);
        g.Print(g.String($"hccallers: {alpha} calls from {AlphaSymbol}, {beta} from {BetaSymbol}\n"));
        g.Exit(0);
        a.Label(ref failed);
        g.Exit(1);

        // caller_alpha: the page's address in a register.
        a.Label(ref alphaFunction);
        g.Symbol(AlphaSymbol, alphaFunction);
        a.mov(rcx, (ulong)HvCallCode.HvCallNotifyLongSpinWait | HypercallInput.FastBit);
        a.xor(edx, edx);
        a.xor(r8d, r8d);
        a.mov(r11, HypercallPage);
        a.call(r11);
        a.or(r13, rax);
        a.ret();

        // caller_beta: the page's address in memory, RIP-relative.
        a.Label(ref betaFunction);
        g.Symbol(BetaSymbol, betaFunction);
        a.mov(rcx, (ulong)HvCallCode.HvCallNotifyLongSpinWait | HypercallInput.FastBit);
        a.xor(edx, edx);
        a.xor(r8d, r8d);
        a.call(__qword_ptr[pagePointer]);
        a.or(r13, rax);
        a.ret();
        a.Label(ref pagePointer);
        a.dq(HypercallPage);
        return g.Build(entry);
    }
}
