namespace Vmm.Guests;

/// <summary>A guest program that ships with vmm and is assembled at run time.</summary>
public interface IBuiltInGuest
{
    /// <summary>The name `vmm run --guest NAME` uses.</summary>
    string Name { get; }

    /// <summary>One line for `vmm run --help` and `vmm info`.</summary>
    string Description { get; }

    /// <summary>The `--guest-arg` names it accepts, with their meaning.</summary>
    IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>Assembles the guest for <paramref name="context"/>.</summary>
    GuestImage Build(GuestBuildContext context);
}
