using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Buffer of WHvGet/SetPartitionProperty: a union over every property value (WinHvPlatformDefs.h lines 2785-2822, x64 members).</summary>
        /// <remarks>
        /// The header asserts no size; its largest member, WHV_X64_CPUID_RESULT2, makes it 48 bytes. The
        /// list properties (CpuidExitList, CpuidResultList, CpuidResultList2, MsrActionList) are declared as
        /// one-element arrays: pass an array of N elements and N times the element size instead of this union.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 48)]
        internal struct WHV_PARTITION_PROPERTY
        {
            [FieldOffset(0)]
            internal WHV_EXTENDED_VM_EXITS ExtendedVmExits;

            [FieldOffset(0)]
            internal WHV_X64_PROCESSOR_FEATURES ProcessorFeatures;

            [FieldOffset(0)]
            internal WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS SyntheticProcessorFeaturesBanks;

            [FieldOffset(0)]
            internal byte ProcessorClFlushSize;

            [FieldOffset(0)]
            internal uint ProcessorCount;

            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int SeparateSecurityDomain;

            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int NestedVirtualization;

            [FieldOffset(0)]
            internal ulong ProcessorClockFrequency;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_FEATURES_BANKS ProcessorFeaturesBanks;

            [FieldOffset(0)]
            internal ulong ReferenceTime;

            [FieldOffset(0)]
            internal ushort PrimaryNumaNode;

            [FieldOffset(0)]
            internal uint CpuReserve;

            [FieldOffset(0)]
            internal uint CpuCap;

            [FieldOffset(0)]
            internal uint CpuWeight;

            [FieldOffset(0)]
            internal ulong CpuGroupId;

            [FieldOffset(0)]
            internal uint ProcessorFrequencyCap;

            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int AllowDeviceAssignment;

            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int DisableSmt;

            [FieldOffset(0)]
            internal uint PhysicalAddressWidth;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_XSAVE_FEATURES ProcessorXsaveFeatures;

            /// <summary>First element of the CPUID leaf list (the header's <c>CpuidExitList[1]</c>).</summary>
            [FieldOffset(0)]
            internal uint CpuidExitList;

            /// <summary>Bit n requests an exception exit for vector n (needs ExtendedVmExits.ExceptionExit).</summary>
            [FieldOffset(0)]
            internal ulong ExceptionExitBitmap;

            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int ApicRemoteRead;

            [FieldOffset(0)]
            internal WHV_X64_MSR_EXIT_BITMAP X64MsrExitBitmap;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_PERFMON_FEATURES ProcessorPerfmonFeatures;

            [FieldOffset(0)]
            internal ulong InterruptClockFrequency;

            /// <summary>First element of the header's <c>CpuidResultList[1]</c>.</summary>
            [FieldOffset(0)]
            internal WHV_X64_CPUID_RESULT CpuidResultList;

            /// <summary>First element of the header's <c>CpuidResultList2[1]</c>.</summary>
            [FieldOffset(0)]
            internal WHV_X64_CPUID_RESULT2 CpuidResultList2;

            /// <summary>First element of the header's <c>MsrActionList[1]</c>.</summary>
            [FieldOffset(0)]
            internal WHV_MSR_ACTION_ENTRY MsrActionList;

            [FieldOffset(0)]
            internal WHV_MSR_ACTION UnimplementedMsrAction;

            [FieldOffset(0)]
            internal WHV_X64_LOCAL_APIC_EMULATION_MODE LocalApicEmulationMode;
        }
    }
}
