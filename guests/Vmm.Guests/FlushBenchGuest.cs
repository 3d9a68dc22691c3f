using Iced.Intel;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `flushbench`: the workload of `vmm bench flush`. vCPUs 1..N-1 spin at CPL3 (in the guest, as running targets
/// are); vCPU 0 makes `rounds` HvCallFlushVirtualAddressSpace calls that flush all other vCPUs (processor mask,
/// all address spaces), each timed with RDTSC, and stores the TSC deltas at <see cref="Samples"/> for the host.
/// </summary>
public sealed class FlushBenchGuest : IBuiltInGuest
{
    /// <summary>Where the guest stores one 8-byte TSC delta per round.</summary>
    public const ulong Samples = 0x20_0000;

    /// <summary>Default number of timed flushes.</summary>
    public const long DefaultRounds = 200;

    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Input = GuestCodeBuilder.DataBase + 0x100;
    private const ulong Counters = GuestCodeBuilder.DataBase + 0x1000;   // 64 bytes per vCPU

    /// <inheritdoc />
    public string Name => "flushbench";

    /// <inheritdoc />
    public string Description => "vCPU 0 times remote flushes of all other (spinning) vCPUs: the workload of `vmm bench flush`";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["rounds"] = $"timed flushes (default {DefaultRounds})",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, 100_000);
        if (!context.HyperV.Has(HyperVFeature.TlbFlush))
        {
            throw new ArgumentException("guest 'flushbench' needs the remote-flush hypercalls (--hv linux, or a profile with 'tlbflush').");
        }

        if (context.ProcessorCount > 64)
        {
            throw new ArgumentException("guest 'flushbench' uses a 64-bit processor mask: at most 64 vCPUs.");
        }

        ulong mask = (context.ProcessorCount == 64 ? ulong.MaxValue : (1UL << context.ProcessorCount) - 1) & ~1UL;
        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label sender = a.CreateLabel("sender");
        Label user = a.CreateLabel("user");
        Label waitWorkers = a.CreateLabel("wait_workers");
        Label loop = a.CreateLabel("loop");
        Label failed = a.CreateLabel("failed");

        a.Label(ref entry);
        a.mov(r12, rsi);
        a.test(edi, edi);
        a.jz(sender);
        a.mov(rbx, rdi);                                // workers: spin at CPL3, counting
        a.shl(rbx, 6);
        a.mov(rax, Counters);
        a.add(rbx, rax);
        g.EnterUserMode(user);
        a.Label(ref user);
        a.inc(__qword_ptr[rbx]);
        a.jmp(user);

        a.Label(ref sender);
        g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
        a.mov(rax, Input);
        a.mov(__qword_ptr[rax], 0);                     // AddressSpace (ignored with ALL_VIRTUAL_ADDRESS_SPACES)
        a.mov(__qword_ptr[rax + 8], (int)HvFlushFlags.AllVirtualAddressSpaces);
        a.mov(rcx, mask);
        a.mov(__qword_ptr[rax + 16], rcx);              // ProcessorMask: every vCPU but this one
        a.mov(r9d, 1);                                  // wait until every worker is spinning in the guest
        a.Label(ref waitWorkers);
        a.cmp(r9, r12);
        a.jae(loop);
        a.mov(rax, r9);
        a.shl(rax, 6);
        a.mov(rcx, Counters);
        a.cmp(__qword_ptr[rax + rcx], 0);
        a.je(waitWorkers);
        a.inc(r9);
        a.jmp(waitWorkers);

        a.Label(ref loop);                              // R13 = round, R15 = samples cursor
        a.mov(r14d, (uint)rounds);
        a.mov(r15, Samples);
        a.mov(r11, HypercallPage);
        Label round = a.CreateLabel("round");
        a.Label(ref round);
        a.rdtsc();
        a.shl(rdx, 32);
        a.or(rax, rdx);
        a.mov(r10, rax);
        a.mov(rcx, (ulong)HvCallCode.HvCallFlushVirtualAddressSpace);
        a.mov(rdx, Input);
        a.xor(r8d, r8d);
        a.call(r11);
        a.test(rax, rax);
        a.jnz(failed);
        a.rdtsc();
        a.shl(rdx, 32);
        a.or(rax, rdx);
        a.sub(rax, r10);
        a.mov(__qword_ptr[r15], rax);
        a.add(r15, 8);
        a.dec(r14d);
        a.jnz(round);
        g.Exit(0);
        a.Label(ref failed);
        g.Exit(1);
        return g.Build(entry);
    }
}
