namespace Vmm.Guests;

/// <summary>The guests that ship with vmm, by name.</summary>
public static class BuiltInGuests
{
    /// <summary>The guest `vmm run` uses without --guest.</summary>
    public const string DefaultName = "hello";

    /// <summary>All built-in guests.</summary>
    public static IReadOnlyList<IBuiltInGuest> All { get; } =
    [
        new HelloGuest(), new SmpGuest(), new ExitsGuest(), new SpinGuest(), new HvProbeGuest(), new HypercallsGuest(),
        new HypercallFuzzGuest(), new HypercallCallersGuest(), new TlbCoherenceGuest(), new TlbStormGuest(), new FlushBenchGuest(), new HvIpiGuest(),
    ];

    /// <summary>Finds a guest by name (case-insensitive).</summary>
    public static bool TryGet(string name, out IBuiltInGuest guest)
    {
        guest = All.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return guest is not null;
    }
}
