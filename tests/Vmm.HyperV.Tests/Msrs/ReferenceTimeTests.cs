using System.Buffers.Binary;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Msrs;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>HV_X64_MSR_TIME_REF_COUNT and the reference TSC page: contents, agreement, monotonicity, zero point.</summary>
public sealed class ReferenceTimeTests : IDisposable
{
    private const ulong Page = 0x5000;
    private const ulong Enable = 1;

    // At 2.5 GHz: scale = floor(10^7 * 2^64 / 2.5e9) = floor(2^64 / 250) (worked out by hand, not by the code under test).
    private const ulong Scale2500MHz = 73_786_976_294_838_206;

    // Guest TSC at the first access: 2 s at 2.5 GHz. (5e9 * scale) >> 64 = 19,999,999 (just under 2e7: the scale is floored).
    private const ulong T0 = 5_000_000_000;
    private const long Offset2500MHzAtT0 = -19_999_999;

    private static readonly uint[] s_hotMsrs =
    [
        HvMsr.TimeRefCount, HvMsr.VpIndex, HvMsr.GuestOsId, HvMsr.Hypercall, HvMsr.VpAssistPage, HvMsr.GuestIdle, HvMsr.Scontrol,
    ];

    private readonly MsrTestMachine _m = MsrTestMachine.Create(MsrTestMachine.All);

    public ReferenceTimeTests()
    {
        _m.Platform.Tsc = T0;
    }

    public void Dispose() => _m.Dispose();

    [Fact]
    public void EnablingWritesSequenceScaleAndOffsetForTheTscFrequency()
    {
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);

        byte[] page = _m.Page(Page);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4)));
        Assert.Equal(Scale2500MHz, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(8)));
        Assert.Equal(Offset2500MHzAtT0, BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(16)));
        Assert.All(page[24..], b => Assert.Equal(0, b));                 // reserved: no RAM shows through
        Assert.Equal(Page | Enable, _m.ReadOk(1, HvMsr.ReferenceTsc));
    }

    [Fact]
    public void EveryRewriteGetsANewNonZeroSequence()
    {
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);
        uint first = Sequence(Page);
        _m.WriteOk(1, HvMsr.ReferenceTsc, Page | Enable);
        uint second = Sequence(Page);
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page);
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);
        uint third = Sequence(Page);

        Assert.Equal([1u, 2u, 3u], new[] { first, second, third });
    }

    [Fact]
    public void DisablingOrMovingThePagePutsTheRamBack()
    {
        const ulong Other = MsrTestMachine.HighRamGpa;
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);

        _m.WriteOk(0, HvMsr.ReferenceTsc, Other | Enable);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(Page));
        Assert.NotEqual(0u, Sequence(Other));

        _m.WriteOk(0, HvMsr.ReferenceTsc, Other);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(Other));

        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);
        _m.WriteOk(0, HvMsr.ReferenceTsc, MsrTestMachine.HoleGpa | Enable);  // not RAM: accepted, page not shown
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(Page));
        Assert.Equal(MsrTestMachine.HoleGpa | Enable, _m.ReadOk(0, HvMsr.ReferenceTsc));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(249UL)]
    [InlineData(250UL)]
    [InlineData(2_500_000_000UL)]
    [InlineData(123_456_789_012_345UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL - T0)]
    public void TimeRefCountEqualsThePageFormulaAtTheSameTsc(ulong elapsedTicks)
    {
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);
        byte[] page = _m.Page(Page);
        ulong scale = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(8));
        long offset = BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(16));

        ulong tsc = T0 + elapsedTicks;
        _m.Platform.Tsc = tsc;
        ulong fromMsr = _m.ReadOk(2, HvMsr.TimeRefCount);

        ulong fromPage = unchecked((ulong)(((UInt128)tsc * scale) >> 64) + (ulong)offset);   // the guest's computation
        Assert.Equal(fromPage, fromMsr);
    }

    [Fact]
    public void TimeRefCountStartsAtZeroAndCountsHundredsOfNanoseconds()
    {
        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.TimeRefCount));

        _m.Platform.Tsc = T0 + FakeHyperVPlatform.DefaultTscFrequency;    // one second later
        Assert.Equal(10_000_000UL, _m.ReadOk(0, HvMsr.TimeRefCount));
    }

    [Fact]
    public void TimeRefCountIsMonotonicAsTheTscAdvances()
    {
        ulong previous = _m.ReadOk(0, HvMsr.TimeRefCount);
        for (int i = 1; i <= 2000; i++)
        {
            _m.Platform.Tsc += (ulong)(i * 37);                            // uneven steps, some under one 100 ns tick
            ulong now = _m.ReadOk(i % MsrTestMachine.Processors, HvMsr.TimeRefCount);

            Assert.True(now >= previous, $"step {i}: {now} < {previous}");
            if ((ulong)(i * 37) >= 250)
            {
                Assert.True(now > previous, $"step {i}: a full tick passed but the count stayed at {now}");
            }

            previous = now;
        }
    }

    [Fact]
    public void TimeRefCountIsTheSameOnEveryProcessorAndReadsOnlyTheCallersTsc()
    {
        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.TimeRefCount));                 // starts reference time: two reads on VP 0
        _m.Platform.Tsc = T0 + 987_654_321;

        ulong[] counts = Enumerable.Range(0, MsrTestMachine.Processors).Select(vp => _m.ReadOk(vp, HvMsr.TimeRefCount)).ToArray();

        Assert.Equal(Enumerable.Repeat(3_950_618UL, MsrTestMachine.Processors), counts);  // 23,950,617 − 19,999,999
        Assert.Equal([3, 1, 1, 1], _m.Platform.TscReads);                    // each VP read its own TSC only
    }

    [Fact]
    public void TheFirstPageEnableStartsReferenceTimeForTheMsrToo()
    {
        _m.WriteOk(3, HvMsr.ReferenceTsc, Page | Enable);                   // zero point: VP 3's TSC, T0

        _m.Platform.Tsc = T0 + 250;
        Assert.Equal(1UL, _m.ReadOk(0, HvMsr.TimeRefCount));
        Assert.Equal(Offset2500MHzAtT0, BinaryPrimitives.ReadInt64LittleEndian(_m.Page(Page).AsSpan(16)));
        Assert.Equal([1, 0, 0, 1], _m.Platform.TscReads);                     // VP 3 for the page, VP 0 once for its count
    }

    [Fact]
    public void TheFirstReadCannotWrapBelowZeroWhenTimeAdvancesBetweenReads()
    {
        _m.Platform.TscStepPerRead = 1_000;

        ulong first = _m.ReadOk(1, HvMsr.TimeRefCount);

        Assert.InRange(first, 0UL, 10UL);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFirstReadRacingAnotherProcessorsStartCannotWrap(bool otherStartsWithThePage)
    {
        // VP 0 reads its TSC (T0); before it starts the clock, VP 1 starts it from a later TSC (T0 + 1000).
        bool raced = false;
        _m.Platform.AfterTscRead = vp =>
        {
            if (vp != 0 || raced)
            {
                return;
            }

            raced = true;
            _m.Platform.Tsc = T0 + 1_000;
            if (otherStartsWithThePage)
            {
                _m.WriteOk(1, HvMsr.ReferenceTsc, Page | Enable);
            }
            else
            {
                _m.ReadOk(1, HvMsr.TimeRefCount);
            }
        };

        ulong first = _m.ReadOk(0, HvMsr.TimeRefCount);

        Assert.True(raced);
        Assert.Equal(0UL, first);                                            // not 2^64 − 4
    }

    [Fact]
    public void ConcurrentFirstReadsNeverWrapAndEachProcessorSeesItsCountRise()
    {
        for (int round = 0; round < 20; round++)
        {
            using MsrTestMachine m = MsrTestMachine.Create(MsrTestMachine.All);
            m.Platform.Tsc = T0;
            m.Platform.TscStepPerRead = 97;
            using var start = new Barrier(MsrTestMachine.Processors);
            var firsts = new ulong[MsrTestMachine.Processors];
            var rising = new bool[MsrTestMachine.Processors];

            Thread[] threads = Enumerable.Range(0, MsrTestMachine.Processors).Select(vp => new Thread(() =>
            {
                start.SignalAndWait();
                m.Msrs.Read(vp, HvMsr.TimeRefCount, out ulong previous);
                firsts[vp] = previous;
                rising[vp] = true;
                for (int i = 0; i < 2000; i++)
                {
                    m.Msrs.Read(vp, HvMsr.TimeRefCount, out ulong now);
                    rising[vp] &= now >= previous;
                    previous = now;
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => t.Join());

            // 4 threads × 2001 reads × 97 ticks is under 800,000 ticks (3,200 reference ticks) in all.
            Assert.All(firsts, first => Assert.InRange(first, 0UL, 4_000UL));
            Assert.All(rising, Assert.True);
        }
    }

    [Fact]
    public void ResetRestartsReferenceTimeAtItsNextUse()
    {
        _m.WriteOk(0, HvMsr.ReferenceTsc, Page | Enable);
        _m.Platform.Tsc = T0 + 1_000_000;
        Assert.NotEqual(0UL, _m.ReadOk(0, HvMsr.TimeRefCount));

        _m.Msrs.Reset();
        _m.Platform.Tsc = 1_000;                                              // the guest TSC restarted with the VM

        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.ReferenceTsc));
        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.TimeRefCount));                 // not a wrapped negative number
        _m.Platform.Tsc += 2_500;
        Assert.Equal(10UL, _m.ReadOk(0, HvMsr.TimeRefCount));
    }

    [Fact]
    public void ReadsAllocateNothing()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, 1);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(1, ReadHotMsrs());
        }

        int faults = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            faults += ReadHotMsrs();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0L, allocated);
        Assert.Equal(1000, faults);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(10_000_000UL)]                                               // 10 MHz: one tick per 100 ns, scale would be 2^64
    public void AdvertisingTimeNeedsATscFasterThan10MHz(ulong frequency)
    {
        using var memory = GuestMemory.CreateNative(0x10000);
        var platform = new FakeHyperVPlatform { TscFrequency = frequency };

        ArgumentException e = Assert.Throws<ArgumentException>(
            () => new SyntheticMsrs(HyperVFeatureProfile.Parse("linux,+time"), memory, 1, MsrTestMachine.KvmStub, platform));
        Assert.Contains("10 MHz", e.Message, StringComparison.Ordinal);
        _ = new SyntheticMsrs(HyperVFeatureProfile.Linux, memory, 1, MsrTestMachine.KvmStub, platform); // not advertised: fine
    }

    [Theory]
    [InlineData(0UL, 1_000_000_000UL)]
    [InlineData(2_500_000_000UL, 0UL)]
    public void AdvertisingTheFrequencyMsrsNeedsBothFrequencies(ulong tsc, ulong apic)
    {
        using var memory = GuestMemory.CreateNative(0x10000);
        var platform = new FakeHyperVPlatform { TscFrequency = tsc, ApicTimerFrequency = apic };

        Assert.Throws<ArgumentException>(
            () => new SyntheticMsrs(HyperVFeatureProfile.Parse("linux,+frequencies"), memory, 1, MsrTestMachine.KvmStub, platform));
    }

    /// <summary>Reads the MSRs a guest reads often; returns how many faulted (expected: 1, SCONTROL). No asserts: they allocate.</summary>
    private int ReadHotMsrs()
    {
        _m.Platform.Tsc += 1_000;
        int faults = 0;
        foreach (uint msr in s_hotMsrs)
        {
            faults += (int)_m.Msrs.Read(1, msr, out _);
        }

        return faults;
    }

    private uint Sequence(ulong gpa) => BinaryPrimitives.ReadUInt32LittleEndian(_m.Memory.GetSpan(gpa, 4));
}
