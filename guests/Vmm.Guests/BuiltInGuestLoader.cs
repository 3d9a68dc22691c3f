using Vmm.Core.Boot;
using Vmm.Core.Boot.X86;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests;

/// <summary>Loads a built-in guest: builds the long-mode environment, assembles the guest and installs its gates.</summary>
public sealed class BuiltInGuestLoader : IGuestLoader
{
    private readonly IBuiltInGuest _guest;
    private readonly IReadOnlyDictionary<string, string> _arguments;
    private readonly HyperVFeatureProfile _hyperV;
    private readonly IReadOnlyList<int>? _vpIndices;

    /// <summary>Creates the loader for <paramref name="guest"/> with its `--guest-arg` values.</summary>
    public BuiltInGuestLoader(IBuiltInGuest guest, IReadOnlyDictionary<string, string>? arguments = null, HyperVFeatureProfile? hyperV = null, IReadOnlyList<int>? vpIndices = null)
    {
        _guest = guest;
        _vpIndices = vpIndices;
        _hyperV = hyperV ?? HyperVFeatureProfile.None;
        _arguments = arguments ?? new Dictionary<string, string>();
        foreach (string name in _arguments.Keys)
        {
            if (!guest.Arguments.ContainsKey(name))
            {
                string known = guest.Arguments.Count == 0 ? "it takes none" : "it takes " + string.Join(", ", guest.Arguments.Keys);
                throw new ArgumentException($"guest '{guest.Name}' has no argument '{name}' ({known}).");
            }
        }
    }

    /// <inheritdoc />
    public string Name => _guest.Name;

    /// <inheritdoc />
    public IGuestBootPlan Load(GuestMemory memory, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var env = LongModeEnvironment.Build(memory, processorCount);
        GuestImage image = _guest.Build(new GuestBuildContext(processorCount, env.MemorySize, _arguments, _hyperV, _vpIndices));
        ulong dataEnd = GuestCodeBuilder.DataBase + 0x1_0000;
        if (dataEnd > env.ImageLimit)
        {
            throw new ArgumentException($"guest '{_guest.Name}' with {processorCount} vCPUs needs more memory (stacks would overlap the image).");
        }

        memory.GetSpan(GuestCodeBuilder.DataBase, 0x1_0000).Clear();
        memory.Write(image.Base, image.Code);
        foreach ((byte vector, ulong handler) in image.InterruptGates)
        {
            env.SetInterruptGate(vector, handler);
        }

        return new LongModeBootPlan(env, image.Entry);
    }
}
