namespace Vmm.Host.Tests.Tracing;

/// <summary>
/// Tests that listen to process-wide meters: they run alone, so no other test's VM adds to what they count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterCollection
{
    public const string Name = "process-wide meters";
}
