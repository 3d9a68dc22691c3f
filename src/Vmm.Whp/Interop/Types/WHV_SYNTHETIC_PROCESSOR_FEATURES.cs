using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Hyper-V enlightenments the hypervisor implements itself for a WHP partition: bank 0 of
        /// WHvCapabilityCodeSyntheticProcessorFeaturesBanks / WHvPartitionPropertyCodeSyntheticProcessorFeaturesBanks
        /// (WinHvPlatformDefs.h lines 1909-2078, x64 layout; bit numbers in docs/whp.md#synthetic-features).
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_SYNTHETIC_PROCESSOR_FEATURES
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: CPUID 0x40000000/0x40000001 report a hypervisor.</summary>
            internal bool HypervisorPresent
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            /// <summary>Bit 1: CPUID 0x40000000-0x40000006 report the Hv#1 interface.</summary>
            internal bool Hv1
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool AccessVpRunTimeReg
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool AccessPartitionReferenceCounter
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool AccessSynicRegs
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            internal bool AccessSyntheticTimerRegs
            {
                readonly get => BitField.Get(AsUINT64, 5);
                set => AsUINT64 = BitField.Set(AsUINT64, 5, value);
            }

            internal bool AccessIntrCtrlRegs
            {
                readonly get => BitField.Get(AsUINT64, 6);
                set => AsUINT64 = BitField.Set(AsUINT64, 6, value);
            }

            internal bool AccessHypercallRegs
            {
                readonly get => BitField.Get(AsUINT64, 7);
                set => AsUINT64 = BitField.Set(AsUINT64, 7, value);
            }

            internal bool AccessVpIndex
            {
                readonly get => BitField.Get(AsUINT64, 8);
                set => AsUINT64 = BitField.Set(AsUINT64, 8, value);
            }

            internal bool AccessPartitionReferenceTsc
            {
                readonly get => BitField.Get(AsUINT64, 9);
                set => AsUINT64 = BitField.Set(AsUINT64, 9, value);
            }

            internal bool AccessGuestIdleReg
            {
                readonly get => BitField.Get(AsUINT64, 10);
                set => AsUINT64 = BitField.Set(AsUINT64, 10, value);
            }

            internal bool AccessFrequencyRegs
            {
                readonly get => BitField.Get(AsUINT64, 11);
                set => AsUINT64 = BitField.Set(AsUINT64, 11, value);
            }

            internal bool EnableExtendedGvaRangesForFlushVirtualAddressList
            {
                readonly get => BitField.Get(AsUINT64, 15);
                set => AsUINT64 = BitField.Set(AsUINT64, 15, value);
            }

            internal bool FastHypercallOutput
            {
                readonly get => BitField.Get(AsUINT64, 18);
                set => AsUINT64 = BitField.Set(AsUINT64, 18, value);
            }

            internal bool DirectSyntheticTimers
            {
                readonly get => BitField.Get(AsUINT64, 22);
                set => AsUINT64 = BitField.Set(AsUINT64, 22, value);
            }

            internal bool ExtendedProcessorMasks
            {
                readonly get => BitField.Get(AsUINT64, 24);
                set => AsUINT64 = BitField.Set(AsUINT64, 24, value);
            }

            /// <summary>Bit 25: The hypervisor itself implements HvCallFlushVirtualAddressSpace/List.</summary>
            internal bool TbFlushHypercalls
            {
                readonly get => BitField.Get(AsUINT64, 25);
                set => AsUINT64 = BitField.Set(AsUINT64, 25, value);
            }

            internal bool SyntheticClusterIpi
            {
                readonly get => BitField.Get(AsUINT64, 26);
                set => AsUINT64 = BitField.Set(AsUINT64, 26, value);
            }

            internal bool NotifyLongSpinWait
            {
                readonly get => BitField.Get(AsUINT64, 27);
                set => AsUINT64 = BitField.Set(AsUINT64, 27, value);
            }

            internal bool QueryNumaDistance
            {
                readonly get => BitField.Get(AsUINT64, 28);
                set => AsUINT64 = BitField.Set(AsUINT64, 28, value);
            }

            internal bool SignalEvents
            {
                readonly get => BitField.Get(AsUINT64, 29);
                set => AsUINT64 = BitField.Set(AsUINT64, 29, value);
            }

            internal bool RetargetDeviceInterrupt
            {
                readonly get => BitField.Get(AsUINT64, 30);
                set => AsUINT64 = BitField.Set(AsUINT64, 30, value);
            }

            internal bool RestoreTime
            {
                readonly get => BitField.Get(AsUINT64, 31);
                set => AsUINT64 = BitField.Set(AsUINT64, 31, value);
            }

            internal bool EnlightenedVmcs
            {
                readonly get => BitField.Get(AsUINT64, 32);
                set => AsUINT64 = BitField.Set(AsUINT64, 32, value);
            }

            internal bool NestedDebugCtl
            {
                readonly get => BitField.Get(AsUINT64, 33);
                set => AsUINT64 = BitField.Set(AsUINT64, 33, value);
            }

            internal bool SyntheticTimeUnhaltedTimer
            {
                readonly get => BitField.Get(AsUINT64, 34);
                set => AsUINT64 = BitField.Set(AsUINT64, 34, value);
            }

            internal bool IdleSpecCtrl
            {
                readonly get => BitField.Get(AsUINT64, 35);
                set => AsUINT64 = BitField.Set(AsUINT64, 35, value);
            }

            internal bool WakeVps
            {
                readonly get => BitField.Get(AsUINT64, 37);
                set => AsUINT64 = BitField.Set(AsUINT64, 37, value);
            }

            internal bool AccessVpRegs
            {
                readonly get => BitField.Get(AsUINT64, 38);
                set => AsUINT64 = BitField.Set(AsUINT64, 38, value);
            }
        }
    }
}
