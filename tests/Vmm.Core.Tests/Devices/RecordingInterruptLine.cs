using Vmm.Core.Devices;

namespace Vmm.Core.Tests.Devices;

/// <summary>An interrupt line that remembers every level it was driven to.</summary>
internal sealed class RecordingInterruptLine : IInterruptLine
{
    private readonly List<bool> _levels = [];

    public IReadOnlyList<bool> Levels => _levels;

    public bool Level => _levels.Count > 0 && _levels[^1];

    public void Set(bool level) => _levels.Add(level);
}
