using Iced.Intel;
using Vmm.Core.Devices;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `exits`: vCPU 0 runs a tight port-I/O loop at CPL0 (`out dx, al; dec ecx; jnz`) to the bench counter port,
/// then exits with status 0; the other vCPUs park. The same instructions as tools/kvm-exit-ref, so the two
/// measure the same KVM_RUN → KVM_EXIT_IO → KVM_RUN round trip.
/// </summary>
public sealed class ExitsGuest : IBuiltInGuest
{
    /// <summary>Default number of port writes.</summary>
    public const long DefaultIterations = 20_000;

    /// <inheritdoc />
    public string Name => "exits";

    /// <inheritdoc />
    public string Description => "a tight port-I/O loop at CPL0, for measuring the cost of one exit";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["iterations"] = $"port writes (default {DefaultIterations})",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long iterations = context.GetInt64("iterations", DefaultIterations, 2, int.MaxValue);
        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label bsp = a.CreateLabel("bsp");
        Label loop = a.CreateLabel("loop");

        a.Label(ref entry);
        a.test(edi, edi);
        a.jz(bsp);
        g.KernelPark();

        a.Label(ref bsp);
        a.mov(edx, (uint)StandardPorts.BenchCounter);
        a.mov(ecx, (uint)iterations);
        a.Label(ref loop);
        a.@out(dx, al);
        a.dec(ecx);
        a.jnz(loop);
        g.Exit(0);
        return g.Build(entry);
    }
}
