namespace Vmm.Whp;

// The Interop class follows dotnet/runtime's layout (docs/coding-guidelines/interop-guidelines.md): one
// partial class per native library, one file per function group, native names spelled as in the SDK
// headers. It lives in the project's root namespace, like runtime's global Interop class, so that backend
// code can write `using static Vmm.Whp.Interop.WinHvPlatform;`.
internal static partial class Interop
{
    internal static partial class Libraries
    {
        /// <summary>The WHP API (WinHvPlatform.h). Present only when the Windows feature is enabled.</summary>
        internal const string WinHvPlatform = "WinHvPlatform.dll";

        /// <summary>The WHP instruction emulator (WinHvEmulation.h).</summary>
        internal const string WinHvEmulation = "WinHvEmulation.dll";

        /// <summary>Win32 memory management (VirtualAlloc/VirtualFree) for guest RAM.</summary>
        internal const string Kernel32 = "kernel32.dll";
    }
}
