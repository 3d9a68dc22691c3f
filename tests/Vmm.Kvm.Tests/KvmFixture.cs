using Vmm.Core.Machine;
using Vmm.Guests;

namespace Vmm.Kvm.Tests;

/// <summary>Shared helpers for tests that run guests on the real /dev/kvm; they skip, saying why, without it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class KvmFixture
{
    public static void SkipUnlessKvm()
    {
        bool available = KvmHypervisor.IsAvailable(out string reason);
        Assert.SkipUnless(available, $"needs a usable /dev/kvm: {reason}");
    }

    public static Machine CreateMachine(KvmHypervisor kvm, IBuiltInGuest guest, int cpus, Stream? serial = null, Dictionary<string, string>? arguments = null) =>
        Machine.Create(
            kvm,
            new MachineOptions { ProcessorCount = cpus, MemorySize = 64UL << 20, SerialOutput = serial },
            new BuiltInGuestLoader(guest, arguments),
            Serilog.Core.Logger.None);
}

/// <summary>Tests that create VMs run one at a time: fd and thread accounting must not see another test's VM.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KvmCollection
{
    public const string Name = "kvm";
}
