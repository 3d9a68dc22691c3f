namespace Vmm.Core.TlbFlush;

/// <summary>
/// `--unsafe-skip-flush`: acknowledges every flush request without flushing anything. Only for showing that the
/// coherence tests detect a missing flush (their negative control); guests then use stale translations.
/// </summary>
public sealed class UnsafeSkipTlbFlushEngine : ITlbFlushEngine
{
    /// <summary>The one instance.</summary>
    public static UnsafeSkipTlbFlushEngine Instance { get; } = new();

    private UnsafeSkipTlbFlushEngine()
    {
    }

    /// <inheritdoc/>
    public string StrategyName => "unsafe-skip-flush";

    /// <inheritdoc/>
    public TlbFlushResult Flush(int requester, in TlbFlushRequest request) => new(0, 0, TimeSpan.Zero, Complete: true);
}
