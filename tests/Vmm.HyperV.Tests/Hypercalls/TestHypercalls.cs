using System.Buffers.Binary;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>Values a guest puts in rep elements to script the test handlers.</summary>
public static class Script
{
    /// <summary>A rep element with this value fails with InvalidParameter.</summary>
    public const ulong FailMarker = 0xFA11_FA11_FA11_F000;

    /// <summary>A rep element with this value (not the first of the window) makes the handler stop and continue there.</summary>
    public const ulong ContinueMarker = 0xC0C0_C0C0_C0C0_C000;

    /// <summary>An APIC ID the APIC handler refuses.</summary>
    public const uint BadApicId = 0xFF;
}

/// <summary>A rep call with QWORD elements and no output (the flush-list shape), driven by markers in its input.</summary>
public sealed class ScriptedRepHypercall(HvCallCode code, int headerSize) : IHypercall
{
    public HypercallLayout Layout { get; } = HypercallLayout.Rep(code, headerSize, repInputSize: 8);

    public int Invocations { get; private set; }

    public int LastStart { get; private set; }

    public int LastEnd { get; private set; }

    public int LastProcessor { get; private set; }

    public bool LastUsedXmm { get; private set; }

    public ulong LastFirstHeaderQword { get; private set; }

    public ulong LastFirstVariableQword { get; private set; }

    public HypercallOutcome Invoke(HypercallRequest request)
    {
        Invocations++;
        LastStart = request.RepStartIndex;
        LastEnd = request.RepEndIndex;
        LastProcessor = request.ProcessorIndex;
        LastUsedXmm = request.UsesXmm;
        LastFirstHeaderQword = BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader);
        LastFirstVariableQword = request.VariableHeaderSize > 0 ? BinaryPrimitives.ReadUInt64LittleEndian(request.VariableHeader) : 0;
        for (int i = request.RepStartIndex; i < request.RepEndIndex; i++)
        {
            ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(request.RepInput(i));
            if (entry == Script.FailMarker)
            {
                return HypercallOutcome.Failure(HvStatus.InvalidParameter, i);
            }

            if (entry == Script.ContinueMarker && i > request.RepStartIndex)
            {
                return HypercallOutcome.ContinueAt(i);
            }
        }

        return HypercallOutcome.Success;
    }
}

/// <summary>
/// HvCallGetVpIndexFromApicId-shaped rep call with output: 16-byte header, QWORD APIC IDs in, QWORD VP indices out
/// (VP = APIC ID − 0x10).
/// </summary>
public sealed class ApicToVpHypercall : IHypercall
{
    public const uint FirstApicId = 0x10;

    public HypercallLayout Layout { get; } =
        HypercallLayout.Rep(HvCallCode.HvCallGetVpIndexFromApicId, headerSize: 16, repInputSize: 8, repOutputSize: 8);

    public int Invocations { get; private set; }

    public HypercallOutcome Invoke(HypercallRequest request)
    {
        Invocations++;
        for (int i = request.RepStartIndex; i < request.RepEndIndex; i++)
        {
            uint apicId = BinaryPrimitives.ReadUInt32LittleEndian(request.RepInput(i));
            if (apicId == Script.BadApicId)
            {
                return HypercallOutcome.Failure(HvStatus.InvalidParameter, i);
            }

            BinaryPrimitives.WriteUInt64LittleEndian(request.RepOutput(i), apicId - FirstApicId);
        }

        return HypercallOutcome.Success;
    }
}

/// <summary>A simple call with 16 bytes in and out (registered as HvCallSwitchVirtualAddressSpace): swaps the QWORDs.</summary>
public sealed class SwapHypercall : IHypercall
{
    public HypercallLayout Layout { get; } =
        HypercallLayout.Simple(HvCallCode.HvCallSwitchVirtualAddressSpace, inputSize: 16, outputSize: 16);

    public int Invocations { get; private set; }

    public HypercallOutcome Invoke(HypercallRequest request)
    {
        Invocations++;
        ulong first = BinaryPrimitives.ReadUInt64LittleEndian(request.Input);
        ulong second = BinaryPrimitives.ReadUInt64LittleEndian(request.Input[8..]);
        if (first == Script.FailMarker)
        {
            // Writes output anyway: the dispatcher must not pass it on for a failed simple call.
            BinaryPrimitives.WriteUInt64LittleEndian(request.Output, 0xDEAD);
            return HvStatus.InvalidParameter;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(request.Output, second);
        BinaryPrimitives.WriteUInt64LittleEndian(request.Output[8..], first);
        return HvStatus.Success;
    }
}

/// <summary>Returns whatever outcome it is given, for the handler-contract tests.</summary>
public sealed class FixedOutcomeHypercall(HypercallLayout layout, HypercallOutcome outcome) : IHypercall
{
    public HypercallLayout Layout { get; } = layout;

    public HypercallOutcome Invoke(HypercallRequest request) => outcome;
}
