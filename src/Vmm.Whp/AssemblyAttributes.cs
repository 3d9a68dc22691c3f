using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// Every WinHvPlatform structure is blittable and passed by pointer, so the runtime's marshalling layer has
// nothing to do; disabling it makes any accidental non-blittable signature a compile-time error instead of
// a hidden copy (dotnet/runtime interop guidelines, docs/design.md#interop).
[assembly: DisableRuntimeMarshalling]

// WinHvPlatform.dll and WinHvEmulation.dll live in System32 when the "Windows Hypervisor Platform" feature
// is enabled; never probe the application directory or PATH for them (DLL planting, CA5392).
[assembly: DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
