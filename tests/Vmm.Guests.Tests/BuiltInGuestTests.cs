using Vmm.Core.Boot;
using Vmm.Core.Boot.X86;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests.Tests;

public sealed class BuiltInGuestTests
{
    public static TheoryData<string, int> GuestsAndCpus
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (IBuiltInGuest g in BuiltInGuests.All)
            {
                data.Add(g.Name, g is TlbStormGuest or HvIpiGuest or TlbCoherenceGuest ? 2 : 1);   // the storm's and tlbcoherence's vCPU 0 flushes another; hvipi needs a target
                data.Add(g.Name, 8);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(GuestsAndCpus))]
    public void EveryGuestAssemblesBelowItsDataPageWithEntryAtTheImageBase(string name, int cpus)
    {
        Assert.True(BuiltInGuests.TryGet(name, out IBuiltInGuest guest));
        HyperVFeatureProfile profile = guest is HvIpiGuest ? HyperVFeatureProfile.Parse("linux,+ipi") : HyperVFeatureProfile.Linux;
        GuestImage image = guest.Build(new GuestBuildContext(cpus, 64UL << 20, hyperV: profile));
        Assert.Equal(LongModeLayout.ImageBase, image.Base);
        if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code) == CGuestImage.ParamsMagic)
        {
            // A C guest: the parameter page at the image base, the code from the next page (guests/c/lib/link.ld).
            Assert.Equal(LongModeLayout.ImageBase + 0x1000, image.Entry);
            Assert.InRange(image.Code.Length, 0x1010, (int)(LongModeLayout.StacksBottom(64UL << 20, cpus) - LongModeLayout.ImageBase));
            Assert.Equal(256, image.InterruptGates.Count);
            Assert.All(image.InterruptGates, g => Assert.Equal(CGuestImage.ExceptionStubs + (16UL * g.Key), g.Value));
            return;
        }

        Assert.Equal(LongModeLayout.ImageBase, image.Entry);
        Assert.InRange(image.Code.Length, 16, (int)(GuestCodeBuilder.DataBase - LongModeLayout.ImageBase));
        foreach ((byte vector, ulong handler) in image.InterruptGates)
        {
            Assert.InRange(handler, image.Base, image.Base + (ulong)image.Code.Length - 1);
            Assert.True(vector is 6 or 13 || (guest is HvIpiGuest && vector == HvIpiGuest.IpiVector), $"unexpected gate {vector}");
        }
    }

    [Theory]
    [InlineData("none", 1)]
    [InlineData("linux", 1)]
    [InlineData("linux", 8)]
    [InlineData("windows", 4)]
    [InlineData("linux,+time,+frequencies,+vpassist,+reset,+ipi,+tlbflush-ex", 64)]
    public void HvProbeAssemblesForEveryProfileAndNamesEachCheck(string profile, int cpus)
    {
        HyperVFeatureProfile p = HyperVFeatureProfile.Parse(profile);
        GuestImage image = new HvProbeGuest().Build(new GuestBuildContext(cpus, 64UL << 20, hyperV: p));
        IReadOnlyList<string> checks = HvProbeGuest.CheckNames(p, cpus);
        Assert.Contains(checks, c => c.StartsWith("CPUID 0x40000000", StringComparison.Ordinal));
        Assert.Equal(p.Has(HyperVFeature.Hypercall), checks.Contains("a hypercall from 32-bit compatibility mode raises #UD"));
        Assert.Equal(p.Has(HyperVFeature.Hypercall), checks.Any(c => c.StartsWith("a hypercall from CPL3 never runs", StringComparison.Ordinal)));
        Assert.Equal(p.Has(HyperVFeature.Time), checks.Contains("the reference TSC page is valid and agrees with TIME_REF_COUNT"));
        Assert.Equal(checks.Count, checks.Distinct().Count());
        // The C probe installs its own gates; the image carries the parameter page it checks against.
        Assert.Equal(CGuestImage.ParamsMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code));
        Assert.Equal((uint)p.Features, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code.AsSpan(12)));
        Assert.InRange(image.Entry, image.Base + 0x1000, image.Base + (ulong)image.Code.Length - 1);
    }

    [Theory]
    [InlineData("hypercalls")]
    [InlineData("hcfuzz")]
    [InlineData("hccallers")]
    public void HypercallGuestsRefuseAProfileWithoutHypercalls(string name)
    {
        Assert.True(BuiltInGuests.TryGet(name, out IBuiltInGuest guest));
        ArgumentException e = Assert.Throws<ArgumentException>(() => guest.Build(new GuestBuildContext(1, 64UL << 20, hyperV: HyperVFeatureProfile.None)));
        Assert.Contains("--hv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HccallersPublishesBothCallerFunctionsInsideItsCode()
    {
        GuestImage image = new HypercallCallersGuest().Build(new GuestBuildContext(1, 64UL << 20, hyperV: HyperVFeatureProfile.Linux));
        Assert.Equal([HypercallCallersGuest.AlphaSymbol, HypercallCallersGuest.BetaSymbol], image.Symbols.Keys.Order(StringComparer.Ordinal));
        Assert.All(image.Symbols.Values, address => Assert.InRange(address, image.Base, image.Base + (ulong)image.Code.Length - 1));
        Assert.NotEqual(image.Symbols[HypercallCallersGuest.AlphaSymbol], image.Symbols[HypercallCallersGuest.BetaSymbol]);
        Assert.Empty(new HelloGuest().Build(new GuestBuildContext(1, 64UL << 20)).Symbols);
    }

    [Fact]
    public void ExitsGuestRunsExactlyTheInstructionsOfTheRawCReference()
    {
        GuestImage image = new ExitsGuest().Build(new GuestBuildContext(1, 64UL << 20, new Dictionary<string, string> { ["iterations"] = "20000" }));
        // tools/kvm-exit-ref/exitref.c: mov edx, 0x504; mov ecx, N; loop: out dx, al; dec ecx; jnz loop.
        byte[] loop = [0xBA, 0x04, 0x05, 0x00, 0x00, 0xB9, 0x20, 0x4E, 0x00, 0x00, 0xEE, 0xFF, 0xC9, 0x75, 0xFB];
        Assert.True(image.Code.AsSpan().IndexOf(loop) >= 0, "the bench loop differs from the C reference's");
    }

    [Theory]
    [InlineData("smp", "iterations", "0")]
    [InlineData("smp", "iterations", "abc")]
    [InlineData("exits", "iterations", "1")]
    [InlineData("exits", "iterations", "99999999999")]
    public void OutOfRangeGuestArgumentsAreRejectedWithTheirName(string name, string key, string value)
    {
        Assert.True(BuiltInGuests.TryGet(name, out IBuiltInGuest guest));
        ArgumentException e = Assert.Throws<ArgumentException>(() => guest.Build(new GuestBuildContext(1, 64UL << 20, new Dictionary<string, string> { [key] = value })));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownGuestArgumentIsRejectedListingTheKnownOnes()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new BuiltInGuestLoader(new SmpGuest(), new Dictionary<string, string> { ["itertions"] = "5" }));
        Assert.Contains("iterations", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GuestNamesAreUniqueAndFoundCaseInsensitively()
    {
        Assert.Equal(BuiltInGuests.All.Count, BuiltInGuests.All.Select(g => g.Name).Distinct().Count());
        Assert.True(BuiltInGuests.TryGet("HELLO", out IBuiltInGuest hello));
        Assert.Equal("hello", hello.Name);
        Assert.False(BuiltInGuests.TryGet("nope", out _));
        Assert.True(BuiltInGuests.TryGet(BuiltInGuests.DefaultName, out _));
    }

    [Fact]
    public void LoaderWritesTheImageAndInstallsItsGates()
    {
        using GuestMemory memory = GuestMemory.CreateNative(64UL << 20);
        IGuestLoaderResult(memory, out LongModeBootPlan plan);
        GuestImage image = new SmpGuest().Build(new GuestBuildContext(4, 64UL << 20));
        Assert.True(memory.GetSpan(LongModeLayout.ImageBase, image.Code.Length).SequenceEqual(image.Code));
        ulong gate6 = ReadGateTarget(memory, 6);
        Assert.Equal(image.InterruptGates[6], gate6);
        Assert.Equal(LongModeLayout.InterruptStubs + (13 * 16), ReadGateTarget(memory, 13));
        VcpuBootState state = plan.GetBootState(3, default(SpecialRegisters));
        Assert.Equal(image.Entry, state.Registers.Rip);
        Assert.Equal(3UL, state.Registers.Rdi);
        Assert.Equal(4UL, state.Registers.Rsi);

        static void IGuestLoaderResult(GuestMemory memory, out LongModeBootPlan plan) =>
            plan = (LongModeBootPlan)new BuiltInGuestLoader(new SmpGuest()).Load(memory, 4);
    }

    private static ulong ReadGateTarget(GuestMemory memory, int vector)
    {
        ulong low = memory.Read<ulong>(LongModeLayout.Idt + ((ulong)vector * 16));
        ulong high = memory.Read<ulong>(LongModeLayout.Idt + ((ulong)vector * 16) + 8);
        return (low & 0xFFFF) | (((low >> 48) & 0xFFFF) << 16) | (high << 32);
    }
}
