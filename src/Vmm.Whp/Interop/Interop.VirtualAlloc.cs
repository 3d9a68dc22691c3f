using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class Kernel32
    {
        /// <summary>Reserve address space (memoryapi.h / winnt.h).</summary>
        internal const uint MEM_RESERVE = 0x0000_2000;

        /// <summary>Commit pages; committed pages are zero-filled on first touch.</summary>
        internal const uint MEM_COMMIT = 0x0000_1000;

        /// <summary>Release a whole reservation; the size passed to VirtualFree must then be 0.</summary>
        internal const uint MEM_RELEASE = 0x0000_8000;

        /// <summary>Read/write, no execute (host side; the guest's rights come from WHvMapGpaRange).</summary>
        internal const uint PAGE_READWRITE = 0x04;

        /// <summary>Reserves and/or commits pages (memoryapi.h). Returns null on failure; GetLastError has the reason.</summary>
        [LibraryImport(Libraries.Kernel32, SetLastError = true)]
        [SupportedOSPlatform("windows")]
        internal static partial nint VirtualAlloc(nint lpAddress, nuint dwSize, uint flAllocationType, uint flProtect);

        /// <summary>Releases or decommits pages (memoryapi.h). Returns nonzero (TRUE) on success.</summary>
        [LibraryImport(Libraries.Kernel32, SetLastError = true)]
        [SupportedOSPlatform("windows")]
        internal static partial int VirtualFree(nint lpAddress, nuint dwSize, uint dwFreeType);
    }
}
