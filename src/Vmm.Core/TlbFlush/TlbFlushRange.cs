namespace Vmm.Core.TlbFlush;

/// <summary>A range of guest-virtual pages to flush: <see cref="PageCount"/> 4 KiB pages from <see cref="FirstPage"/>.</summary>
/// <param name="FirstPage">Guest-virtual page number (GVA >> 12) of the first page.</param>
/// <param name="PageCount">Number of pages, at least 1.</param>
public readonly record struct TlbFlushRange(ulong FirstPage, ulong PageCount);
