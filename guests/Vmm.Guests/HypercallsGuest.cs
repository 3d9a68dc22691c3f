using Iced.Intel;
using Vmm.Core.Devices;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hypercalls`: vCPU 0 enables the hypercall page and makes `iterations` null hypercalls (fast
/// HvCallNotifyLongSpinWait) through it at CPL0, between two OUTs to the bench port; `vmm bench hypercalls`
/// divides the time between them by the count. The loop is unrolled 16 times, so each call costs the guest
/// `call; out; ret` plus 1/8 of an instruction, as an `exits` iteration costs `out; dec; jnz`: on hosts that
/// emulate CPL0 instruction by instruction, the two benchmarks then differ only in what the VMM does.
/// </summary>
public sealed class HypercallsGuest : IBuiltInGuest
{
    /// <summary>Default number of hypercalls (a multiple of the unroll factor).</summary>
    public const long DefaultIterations = 16_000;

    /// <summary>Calls per loop iteration.</summary>
    public const int Unroll = 16;

    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;

    /// <inheritdoc />
    public string Name => "hypercalls";

    /// <inheritdoc />
    public string Description => "null hypercalls through the hypercall page at CPL0, for `vmm bench hypercalls` (needs --hv with hypercalls)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["iterations"] = $"hypercalls, a multiple of {Unroll} (default {DefaultIterations})",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long iterations = context.GetInt64("iterations", DefaultIterations, Unroll, int.MaxValue / 2);
        if (iterations % Unroll != 0)
        {
            throw new ArgumentException($"guest argument iterations={iterations} must be a multiple of {Unroll}.");
        }

        if (!context.HyperV.Has(HyperVFeature.Hypercall))
        {
            throw new ArgumentException("guest 'hypercalls' needs hypercalls enabled (--hv linux, or a profile with 'hypercall').");
        }

        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label bsp = a.CreateLabel("bsp");
        Label loop = a.CreateLabel("loop");
        Label failed = a.CreateLabel("failed");

        a.Label(ref entry);
        a.test(edi, edi);
        a.jz(bsp);
        g.KernelPark();

        a.Label(ref bsp);
        g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
        a.mov(r12d, (uint)(iterations / Unroll));
        a.mov(r11, HypercallPage);
        a.mov(rcx, (ulong)HvCallCode.HvCallNotifyLongSpinWait | HypercallInput.FastBit);
        a.xor(edx, edx);
        a.xor(r8d, r8d);
        a.xor(r13d, r13d);                        // OR of every result: must stay 0
        a.mov(r9d, (uint)StandardPorts.BenchCounter);
        a.xchg(r9, rdx);
        a.@out(dx, al);                           // bench mark: start
        a.xchg(r9, rdx);
        a.Label(ref loop);
        for (int i = 0; i < Unroll; i++)
        {
            a.call(r11);
        }

        a.or(r13, rax);
        a.dec(r12d);
        a.jnz(loop);
        a.xchg(r9, rdx);
        a.@out(dx, al);                           // bench mark: end
        a.test(r13, r13);
        a.jnz(failed);
        g.Exit(0);
        a.Label(ref failed);
        g.Exit(1);
        return g.Build(entry);
    }
}
