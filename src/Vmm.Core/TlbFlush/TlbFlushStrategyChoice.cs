namespace Vmm.Core.TlbFlush;

/// <summary>The strategy a machine's flush engine uses and why (printed by `vmm run --verbose` and in the flush summary).</summary>
/// <param name="Strategy">A concrete strategy (never <see cref="TlbFlushStrategy.Auto"/>).</param>
/// <param name="Reason">Why it was chosen, in a few words (empty when it was asked for by name).</param>
/// <param name="Automatic">True when <see cref="TlbFlushStrategy.Auto"/> chose it.</param>
public readonly record struct TlbFlushStrategyChoice(TlbFlushStrategy Strategy, string Reason, bool Automatic);
