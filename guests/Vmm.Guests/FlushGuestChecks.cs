using System.Globalization;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests;

/// <summary>
/// What `tlbcoherence` and `tlbstorm` check before a VM is made (one clear line, before the hypervisor opens): the
/// flush hypercalls offered, 2 to <see cref="MaxProcessors"/> vCPUs, enough memory for their tables and stacks.
/// </summary>
internal static class FlushGuestChecks
{
    /// <summary>Most vCPUs the flush guests handle (their target sets are 64-bit masks of vCPU indices).</summary>
    public const int MaxProcessors = 64;

    /// <summary>Throws the guest's one-line error when <paramref name="context"/> cannot run it.</summary>
    /// <param name="context">The VM the guest is built for.</param>
    /// <param name="name">The guest's name.</param>
    /// <param name="roles">Why it needs two vCPUs, e.g. "vCPU 0 flushes, the others are flushed".</param>
    /// <param name="memoryNeeded">Its memory need for the context's vCPU count.</param>
    public static void Check(GuestBuildContext context, string name, string roles, Func<int, ulong> memoryNeeded)
    {
        if (!context.HyperV.Has(HyperVFeature.Hypercall) || !context.HyperV.Has(HyperVFeature.TlbFlush))
        {
            throw new ArgumentException($"guest '{name}' needs the flush hypercalls (--hv linux or windows, or a profile with 'tlbflush').");
        }

        if (context.ProcessorCount is < 2 or > MaxProcessors)
        {
            throw new ArgumentException($"guest '{name}' needs from 2 to {MaxProcessors} vCPUs ({roles}), not {context.ProcessorCount}.");
        }

        ulong needed = memoryNeeded(context.ProcessorCount);
        if (needed > context.MemorySize)
        {
            throw new ArgumentException($"guest '{name}' with {context.ProcessorCount} vCPUs needs at least {(needed + 0xF_FFFF) >> 20} MiB of memory.");
        }
    }

    /// <summary>The checked arguments as the guest reads them from its parameter page.</summary>
    public static Dictionary<string, string> Arguments(params (string Key, long Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value.ToString(CultureInfo.InvariantCulture));
}
