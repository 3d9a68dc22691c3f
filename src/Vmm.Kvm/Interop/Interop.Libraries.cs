namespace Vmm.Kvm.Interop;

internal static partial class Interop
{
    /// <summary>Native library names, resolved by the runtime's probing rules.</summary>
    internal static class Libraries
    {
        /// <summary>glibc.</summary>
        internal const string Libc = "libc";
    }
}
