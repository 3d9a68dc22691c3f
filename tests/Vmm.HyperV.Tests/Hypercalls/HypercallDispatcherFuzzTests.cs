using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.DispatchHarness;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>Random guest input never makes the dispatcher throw, and every call ends exactly once.</summary>
public sealed class HypercallDispatcherFuzzTests
{
    private const int Iterations = 100_000;

    private static readonly HvCallCode[] s_codes =
    [
        HvCallCode.HvCallNotifyLongSpinWait,
        HvCallCode.HvCallFlushVirtualAddressList,
        HvCallCode.HvCallFlushVirtualAddressListEx,
        HvCallCode.HvCallGetVpIndexFromApicId,
        HvCallCode.HvCallSwitchVirtualAddressSpace,
        HvCallCode.HvCallFlushVirtualAddressSpace,
        HvCallCode.HvCallSendSyntheticClusterIpi,
        HvCallCode.HvExtCallQueryCapabilities,
        (HvCallCode)0x0004,
    ];

    private static readonly ulong[] s_gpas =
    [
        ListInput, ApicInput, FailInput, ContinueInput, ExInput, OutputPage, SwapInput, ApicFailInput,
        0, 8, 0xFF8, 0xFFF, RamSize - 8, RamSize - 4096, RamSize, RamSize + 8, 0x8000_0000,
        0xFFFF_FFFF_FFFF_F000, 0xFFFF_FFFF_FFFF_FFF8, ulong.MaxValue,
    ];

    [Theory]
    [InlineData(false, 0, 1)]
    [InlineData(true, 3, 2)]
    public void RandomCallsEndExactlyOnceAndNeverThrow(bool xmm, int maxReps, int seed)
    {
        using var h = new DispatchHarness(xmmInput: xmm, xmmOutput: xmm, maxRepsPerInvocation: maxReps);
        var random = new Random(seed);
        var seen = new int[3];

        for (int i = 0; i < Iterations; i++)
        {
            ulong control = RandomControl(random);
            for (int x = 0; x < 6; x++)
            {
                h.Io[x] = RandomXmm(random);
            }

            h.Call(
                control,
                RandomGpa(random),
                RandomGpa(random),
                cpl: random.Next(8) == 0 ? random.Next(1, 4) : 0,
                protectedMode: random.Next(16) != 0,
                longMode: random.Next(16) != 0,
                processor: random.Next(4));

            FakeHypercallIo io = h.Io;
            Assert.True(io.Endings == 1, $"control 0x{control:X16} ended {io.Endings} times");
            if (io.Completions == 1)
            {
                seen[0]++;
                Assert.Equal(0UL, io.LastResult & HypercallResult.ReservedMask);
                var input = new HypercallInput(control);
                int reps = HypercallResult.FromValue(io.LastResult).RepsCompleted;
                Assert.True(reps == 0 || (reps >= input.RepStartIndex && reps <= input.RepCount), $"control 0x{control:X16}: {reps} reps");
            }
            else if (io.Continuations == 1)
            {
                seen[1]++;
                var before = new HypercallInput(control);
                var after = new HypercallInput(io.LastContinueControl);
                Assert.Equal(before.WithRepStartIndex(after.RepStartIndex), after);
                Assert.InRange(after.RepStartIndex, before.RepStartIndex + 1, before.RepCount - 1);
            }
            else
            {
                seen[2]++;
                Assert.Equal(0, io.XmmWriteMask);
            }
        }

        // The generator reaches all three endings.
        Assert.All(seen, count => Assert.True(count > 0));
    }

    private static ulong RandomControl(Random random)
    {
        if (random.Next(4) == 0)
        {
            return (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        }

        HvCallCode code = random.Next(8) == 0 ? (HvCallCode)random.Next(0x10000) : s_codes[random.Next(s_codes.Length)];
        int repCount = random.Next(4) switch
        {
            0 => 0,
            1 => random.Next(1, 6),
            2 => random.Next(1, 14),
            _ => random.Next(0x1000),
        };
        int repStart = random.Next(3) == 0 ? random.Next(0x1000) : random.Next(Math.Max(repCount, 1));
        int varHeader = random.Next(4) == 0 ? random.Next(0x400) : random.Next(2);
        ulong value = HypercallInput.Create(code, isFast: random.Next(2) == 0, varHeader, repCount, repStart).Value;
        if (random.Next(16) == 0)
        {
            value |= 1UL << random.Next(64);
        }

        return value;
    }

    private static ulong RandomGpa(Random random) => random.Next(3) switch
    {
        0 => s_gpas[random.Next(s_gpas.Length)],
        1 => (ulong)random.NextInt64((long)RamSize) & ~7UL,
        _ => (ulong)random.NextInt64() << random.Next(2),
    };

    private static UInt128 RandomXmm(Random random) => random.Next(8) switch
    {
        0 => new UInt128(Script.FailMarker, Script.ContinueMarker),
        1 => new UInt128(Script.ContinueMarker, (ulong)random.Next(0x100)),
        _ => new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()),
    };
}
