using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Output buffer of WHvRunVirtualProcessor (WinHvPlatformDefs.h lines 3419-3461, x64 layout).</summary>
        /// <remarks>
        /// 224 bytes: ExitReason, a reserved dword, the 40-byte <see cref="VpContext"/>, then a 176-byte union
        /// at offset 48 whose member is selected by <see cref="ExitReason"/>. In C the union is 16-byte aligned
        /// (it contains WHV_HYPERCALL_CONTEXT); offset 48 already satisfies that, so the offsets match, but
        /// allocate the buffer itself 16-byte aligned as the native code expects.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 224)]
        internal struct WHV_RUN_VP_EXIT_CONTEXT
        {
            [FieldOffset(0)]
            internal WHV_RUN_VP_EXIT_REASON ExitReason;

            [FieldOffset(4)]
            internal uint Reserved;

            [FieldOffset(8)]
            internal WHV_VP_EXIT_CONTEXT VpContext;

            [FieldOffset(48)]
            internal WHV_MEMORY_ACCESS_CONTEXT MemoryAccess;

            [FieldOffset(48)]
            internal WHV_RUN_VP_CANCELED_CONTEXT CancelReason;

            [FieldOffset(48)]
            internal WHV_HYPERCALL_CONTEXT Hypercall;

            [FieldOffset(48)]
            internal WHV_SYNIC_SINT_DELIVERABLE_CONTEXT SynicSintDeliverable;

            [FieldOffset(48)]
            internal WHV_X64_IO_PORT_ACCESS_CONTEXT IoPortAccess;

            [FieldOffset(48)]
            internal WHV_X64_MSR_ACCESS_CONTEXT MsrAccess;

            [FieldOffset(48)]
            internal WHV_X64_CPUID_ACCESS_CONTEXT CpuidAccess;

            [FieldOffset(48)]
            internal WHV_VP_EXCEPTION_CONTEXT VpException;

            [FieldOffset(48)]
            internal WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT InterruptWindow;

            [FieldOffset(48)]
            internal WHV_X64_UNSUPPORTED_FEATURE_CONTEXT UnsupportedFeature;

            [FieldOffset(48)]
            internal WHV_X64_APIC_EOI_CONTEXT ApicEoi;

            [FieldOffset(48)]
            internal WHV_X64_RDTSC_CONTEXT ReadTsc;

            [FieldOffset(48)]
            internal WHV_X64_APIC_SMI_CONTEXT ApicSmi;

            [FieldOffset(48)]
            internal WHV_X64_APIC_INIT_SIPI_CONTEXT ApicInitSipi;

            [FieldOffset(48)]
            internal WHV_X64_APIC_WRITE_CONTEXT ApicWrite;

            [FieldOffset(48)]
            internal ExitContextWords AsUINT64;

            /// <summary>The union viewed as the header's <c>UINT64 AsUINT64[22]</c>.</summary>
            [InlineArray(22)]
            internal struct ExitContextWords
            {
                private ulong _element0;
            }
        }
    }
}
