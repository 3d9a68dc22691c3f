using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Optional exits: the result of WHvCapabilityCodeExtendedVmExits and the value of
        /// WHvPartitionPropertyCodeExtendedVmExits (WinHvPlatformDefs.h lines 1489-1526, x64 layout).
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_EXTENDED_VM_EXITS
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: CPUID exits (WHvRunVpExitReasonX64Cpuid).</summary>
            internal bool X64CpuidExit
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            /// <summary>Bit 1: MSR exits (WHvRunVpExitReasonX64MsrAccess).</summary>
            internal bool X64MsrExit
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            /// <summary>Bit 2: exception exits (WHvRunVpExitReasonException), selected by ExceptionExitBitmap.</summary>
            internal bool ExceptionExit
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            /// <summary>Bit 3: RDTSC/RDTSCP exits.</summary>
            internal bool X64RdtscExit
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool X64ApicSmiExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            /// <summary>Bit 5: VMCALL/VMMCALL exits (WHvRunVpExitReasonHypercall).</summary>
            internal bool HypercallExit
            {
                readonly get => BitField.Get(AsUINT64, 5);
                set => AsUINT64 = BitField.Set(AsUINT64, 5, value);
            }

            internal bool X64ApicInitSipiExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 6);
                set => AsUINT64 = BitField.Set(AsUINT64, 6, value);
            }

            internal bool X64ApicWriteLint0ExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 7);
                set => AsUINT64 = BitField.Set(AsUINT64, 7, value);
            }

            internal bool X64ApicWriteLint1ExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 8);
                set => AsUINT64 = BitField.Set(AsUINT64, 8, value);
            }

            internal bool X64ApicWriteSvrExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 9);
                set => AsUINT64 = BitField.Set(AsUINT64, 9, value);
            }

            internal bool UnknownSynicConnection
            {
                readonly get => BitField.Get(AsUINT64, 10);
                set => AsUINT64 = BitField.Set(AsUINT64, 10, value);
            }

            internal bool RetargetUnknownVpciDevice
            {
                readonly get => BitField.Get(AsUINT64, 11);
                set => AsUINT64 = BitField.Set(AsUINT64, 11, value);
            }

            internal bool X64ApicWriteLdrExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 12);
                set => AsUINT64 = BitField.Set(AsUINT64, 12, value);
            }

            internal bool X64ApicWriteDfrExitTrap
            {
                readonly get => BitField.Get(AsUINT64, 13);
                set => AsUINT64 = BitField.Set(AsUINT64, 13, value);
            }

            /// <summary>Bit 14: second-level page faults on mapped GPAs are reported as memory-access exits.</summary>
            internal bool GpaAccessFaultExit
            {
                readonly get => BitField.Get(AsUINT64, 14);
                set => AsUINT64 = BitField.Set(AsUINT64, 14, value);
            }
        }
    }
}
