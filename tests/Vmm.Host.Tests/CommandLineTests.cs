using System.Globalization;
using System.Text.RegularExpressions;
using Vmm.Core.Boot.X86;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.Host.Cli;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>`vmm` as a user meets it: exit codes, one-line errors without stack traces, real runs on KVM.</summary>
[Collection("vmm-cli")]
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--bogus")]
    [InlineData("run", "--cpus", "0")]
    [InlineData("run", "--cpus", "300")]
    [InlineData("run", "--cpus", "two")]
    [InlineData("run", "--memory", "lots")]
    [InlineData("run", "--memory", "1M")]
    [InlineData("run", "--guest", "nope")]
    [InlineData("run", "--guest-arg", "novalue")]
    [InlineData("run", "--guest", "smp", "--guest-arg", "iterations=0")]
    [InlineData("run", "--guest", "hello", "--guest-arg", "iterations=5")]
    [InlineData("run", "--backend", "xen")]
    [InlineData("run", "--timeout", "-1")]
    [InlineData("bench", "exits", "--runs", "0")]
    [InlineData("bench", "exits", "--reference", "/no/such/exitref")]
    [InlineData("bench", "hypercalls", "--iterations", "17")]
    [InlineData("run", "--hv", "linux,+warp")]
    [InlineData("run", "--hv", "linux,-vpindex")]
    [InlineData("run", "--kernel", "/no/such/kernel.elf")]
    [InlineData("run", "--whp-flush", "sometimes")]
    [InlineData("bench", "flush", "--cpus", "1")]
    [InlineData("run", "--flush-strategy", "fast")]
    [InlineData("bench", "flush", "--flush-strategy", "kick,psychic")]
    [InlineData("bench", "flush", "--cpus", "two")]
    [InlineData("bench", "flush", "--modes", "pv,tlb")]
    [InlineData("bench", "flush", "--modes", "")]
    [InlineData("run", "--vp-index", "0,0")]
    [InlineData("run", "--vp-index", "9999")]
    public void BadInputGetsOneLineAndExitCodeTwo(params string[] args)
    {
        var error = new StringWriter();
        int code = VmmCommandLine.Run(args, error);
        string text = error.ToString();
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.StartsWith("vmm: ", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhpBackendOnLinuxIsAClearUsageError()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "checks the Linux behaviour of --backend whp");
        var error = new StringWriter();
        Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--backend", "whp"], error));
        Assert.Contains("needs Windows", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HypervisorFlushModeOnKvmIsAClearUsageError()
    {
        SkipUnlessKvm();
        var error = new StringWriter();
        Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--backend", "kvm", "--whp-flush", "hypervisor"], error));
        Assert.Contains("needs the whp backend", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultFlushStrategyIsChosenByTheAutoProbeAndNamedInTheSummary()
    {
        SkipUnlessKvm();
        const int cpus = 4;
        TextWriter saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        int code;
        try
        {
            code = VmmCommandLine.Run(["run", "--guest", "tlbcoherence", "--cpus", "4", "--hv", "windows", "--guest-arg", "rounds=200", "--serial", "/dev/null"], error);
        }
        finally
        {
            Console.SetError(saved);
        }

        string text = error.ToString();
        Assert.True(code == ExitCodes.Success, text);

        // The probe's rule (TlbFlushStrategySelector): kick where KVM marks preempted vCPUs (upstream), else memslot
        // when the vCPUs outnumber the host CPUs and the timed platform-wide flush is fast enough (on a loaded host it
        // may not be: then kick, and the summary says so), else kick.
        bool reportsPreemption = OperatingSystem.IsLinux() && KvmHypervisor.DetectFlavor() is KvmFlavor.Vmx or KvmFlavor.Svm;
        string[] expected = reportsPreemption
            ? ["TLB flush (kick, chosen by auto: this KVM marks descheduled vCPUs preempted"]
            : cpus > Environment.ProcessorCount
            ? [$"TLB flush (memslot, chosen by auto: {cpus} vCPUs on {Environment.ProcessorCount} host CPUs, platform-wide flush ",
               $"TLB flush (kick, chosen by auto: platform-wide flush "]
            : [$"TLB flush (kick, chosen by auto: {cpus} vCPUs on {Environment.ProcessorCount} host CPUs: kicked targets are on a CPU): "];
        Assert.True(expected.Any(e => text.Contains(e, StringComparison.Ordinal)), $"none of [{string.Join(" | ", expected)}] in:\n{text}");
    }

    [Fact]
    public void HelpShowsExamplesAndSucceeds()
    {
        TextWriter saved = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Assert.Equal(ExitCodes.Success, VmmCommandLine.Run(["run", "--help"]));
        }
        finally
        {
            Console.SetOut(saved);
        }

        Assert.Contains("Examples:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--guest", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunWithDefaultsPrintsTheHelloGuestAndPasses()
    {
        SkipUnlessKvm();
        string serial = Path.GetTempFileName();
        try
        {
            var error = new StringWriter();
            int code = VmmCommandLine.Run(["run", "--serial", serial], error);
            Assert.True(code == ExitCodes.Success, error.ToString());
            Assert.StartsWith(HelloGuest.Greeting + "1,", File.ReadAllText(serial), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(serial);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void RunSmpGuestExitsWithItsVerdict(int cpus)
    {
        SkipUnlessKvm();
        string serial = Path.GetTempFileName();
        try
        {
            var error = new StringWriter();
            int code = VmmCommandLine.Run(["run", "--guest", "smp", "--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--guest-arg", "iterations=200000", "--serial", serial], error);
            Assert.True(code == ExitCodes.Success, error.ToString());
            Assert.Contains($"= {cpus * 200000} (expected {cpus * 200000})", File.ReadAllText(serial), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(serial);
        }
    }

    [Fact]
    public void BenchFlushJsonHasAPvRowPerStrategyAndAnIpiRowWithTheDocumentedFields()
    {
        SkipUnlessKvm();
        TextWriter saved = Console.Out;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        int code;
        try
        {
            code = VmmCommandLine.Run(["bench", "flush", "--cpus", "2", "--rounds", "20", "--modes", "pv,ipi", "--json"], error);
        }
        finally
        {
            Console.SetOut(saved);
        }

        Assert.True(code == ExitCodes.Success, error.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(output.ToString());
        System.Text.Json.JsonElement root = doc.RootElement;
        Assert.Equal("flush", root.GetProperty("benchmark").GetString());
        Assert.Equal("kvm", root.GetProperty("backend").GetString());
        System.Text.Json.JsonElement[] rows = [.. root.GetProperty("results").EnumerateArray()];
        Assert.Equal(["pv/kick", "pv/memslot", "ipi/"], rows.Select(r => $"{r.GetProperty("mode").GetString()}/{r.GetProperty("strategy").GetString()}"));
        foreach (System.Text.Json.JsonElement row in rows)
        {
            Assert.Equal(2, row.GetProperty("vcpus").GetInt32());
            Assert.Equal(20, row.GetProperty("rounds").GetInt32());
            double p50 = row.GetProperty("p50Us").GetDouble(), p90 = row.GetProperty("p90Us").GetDouble();
            double p99 = row.GetProperty("p99Us").GetDouble(), max = row.GetProperty("maxUs").GetDouble();
            Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, row.ToString());
        }

        // One target per round: the PV rows account for each as awaited or deferred; the IPI row makes no hypercall.
        Assert.Equal(20, rows[0].GetProperty("awaited").GetInt64() + rows[0].GetProperty("deferred").GetInt64());
        Assert.Equal(20, rows[1].GetProperty("deferred").GetInt64());
        Assert.Equal(0, rows[1].GetProperty("awaited").GetInt64());
        Assert.Equal(0, rows[2].GetProperty("awaited").GetInt64());
        Assert.Equal(0, rows[2].GetProperty("deferred").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[2].GetProperty("strategy").ValueKind);
    }

    [Fact]
    public void ATimeLimitStopsASpinningGuestWithTheVmFaultCode()
    {
        SkipUnlessKvm();
        Assert.Equal(ExitCodes.VmFault, VmmCommandLine.Run(["run", "--guest", "spin", "--cpus", "2", "--timeout", "0.5"], new StringWriter()));
    }

    [Fact]
    public void ATimeLimitSaysWhereEveryVcpuWasAndThatTheVmmOwedNoneAKickOrAFlush()
    {
        SkipUnlessKvm();
        var error = new StringWriter();
        Assert.Equal(ExitCodes.VmFault, VmmCommandLine.Run(["run", "--guest", "spin", "--cpus", "2", "--timeout", "0.5"], error));
        string text = error.ToString();
        Assert.Contains("vmm: stopped by the host (time limit of 0.5 s reached); the vCPUs were at:", text);
        for (int i = 0; i < 2; i++)
        {
            // The spin guest's CPL3 loop lies in its code page, below the data page.
            Match m = Regex.Match(text, $@"vmm:   vCPU {i}: RIP 0x([0-9A-F]+) RSP 0x[0-9A-F]+ CPL (\d) IF \d CR3 0x[0-9A-F]+; when stopped: in the guest, exits \d+ \(\d+ by kicks\), kicks acknowledged (\d+) of (\d+), flushes applied 0\r?$", RegexOptions.Multiline);
            Assert.True(m.Success, text);
            Assert.InRange(ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture), LongModeLayout.ImageBase, SpinGuest.CounterAddress(0) - 1);
            Assert.Equal("3", m.Groups[2].Value);
            Assert.Equal(m.Groups[3].Value, m.Groups[4].Value);
        }

        // Control: a guest that ends by itself gets no such report.
        var hello = new StringWriter();
        Assert.Equal(ExitCodes.Success, VmmCommandLine.Run(["run", "--guest", "hello", "--cpus", "2", "--timeout", "60"], hello));
        Assert.DoesNotContain("the vCPUs were at", hello.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void RunKernelStartsAnElfTestKernelAndReturnsItsVerdict(int status)
    {
        SkipUnlessKvm();
        string dir = Directory.CreateTempSubdirectory("vmm-kernel-").FullName;
        try
        {
            string source = Path.Combine(dir, "probe.S");
            string elf = Path.Combine(dir, "probe.elf");
            File.WriteAllText(source, $".globl _start\n_start: mov %ecx, %edx\n mov ${status}, %eax\n out %eax, %dx\n hlt\n");
            using (var gcc = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("gcc", ["-nostdlib", "-static", "-Wl,-Ttext=0x200000", "-o", elf, source]) { RedirectStandardError = true }))
            {
                Assert.SkipWhen(gcc is null, "needs gcc to build the test kernel");
                gcc!.WaitForExit();
                Assert.SkipWhen(gcc.ExitCode != 0, $"gcc could not build the test kernel: {gcc.StandardError.ReadToEnd()}");
            }

            int code = VmmCommandLine.Run(["run", "--kernel", elf, "--cpus", "2"], new StringWriter());
            Assert.Equal(status == 0 ? ExitCodes.Success : ExitCodes.GuestFailed, code);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Skip($"needs gcc to build the test kernel: {e.Message}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RunKernelRejectsANonElfFileInOneLine()
    {
        var error = new StringWriter();
        string notElf = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notElf, "hello");
            Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--kernel", notElf], error));
            Assert.Contains("not an ELF file", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--kernel", notElf, "--guest", "smp"], new StringWriter()));
        }
        finally
        {
            File.Delete(notElf);
        }
    }

    [Theory]
    [InlineData(0x020B, 256, "", "boot protocol 2.11 is too old")]
    [InlineData(0x020F, 256, "", "cmdline_size")]
    [InlineData(0x020F, 64, "", "too little RAM for the kernel")]
    [InlineData(0x020F, 256, "huge-initrd", "does not fit in 256 MiB of guest RAM")]
    public void ABadLinuxImageOrOptionIsOneLineAndExitTwoBeforeTheHypervisorIsOpened(int version, int memoryMiB, string initrd, string expected)
    {
        string kernel = Path.Combine(Path.GetTempPath(), $"vmm-bz-{Guid.NewGuid():N}");
        string initrdFile = Path.Combine(Path.GetTempPath(), $"vmm-initrd-{Guid.NewGuid():N}");
        try
        {
            // A bzImage setup header as Debian 6.1's (setup_sects 4, header end 0x26C, init_size 63.6 MiB), no code.
            var image = new byte[0xA00 + 0x1000];
            image[0x1F1] = 4;
            image[0x1FE] = 0x55;
            image[0x1FF] = 0xAA;
            image[0x201] = 0x6A;
            "HdrS"u8.CopyTo(image.AsSpan(0x202));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), (ushort)version);
            image[0x211] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x22C), 0x7FFF_FFFF);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x230), 0x20_0000);
            image[0x234] = 1;
            image[0x236] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x238), expected == "cmdline_size" ? 0xFFu : 0x7FFu);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x258), 0x100_0000);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x260), 0x3F9_8000);
            File.WriteAllBytes(kernel, image);
            List<string> args = ["run", "--kernel", kernel, "--memory", $"{memoryMiB}M", "--backend", "whp"];
            if (initrd.Length > 0)
            {
                using (var f = File.Create(initrdFile))
                {
                    f.SetLength(300L << 20);
                }

                args.AddRange(["--initrd", initrdFile]);
            }

            if (expected == "cmdline_size")
            {
                args.AddRange(["--append", new string('x', 300)]); // within x86's 2047, beyond this image's cmdline_size
            }

            // --backend whp on Linux would fail with its own message: the image is checked before that.
            var error = new StringWriter();
            Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run([.. args], error));
            Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
            Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(kernel);
            File.Delete(initrdFile);
        }
    }

    [Fact]
    public void InitrdAndAppendNeedALinuxKernel() =>
        Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--initrd", "/no/such/initrd"], new StringWriter()));

    [Theory]
    [InlineData(MachineExitReason.GuestExit, 0u, ExitCodes.Success)]
    [InlineData(MachineExitReason.GuestExit, 1u, ExitCodes.GuestFailed)]
    [InlineData(MachineExitReason.GuestExit, 0xE000_000Du, ExitCodes.GuestFailed)]
    [InlineData(MachineExitReason.Shutdown, 0u, ExitCodes.VmFault)]
    [InlineData(MachineExitReason.Fault, 0u, ExitCodes.VmFault)]
    [InlineData(MachineExitReason.HostRequest, 0u, ExitCodes.VmFault)]
    public void ExitCodeIsTheGuestsVerdict(MachineExitReason reason, uint status, int expected) =>
        Assert.Equal(expected, RunCommand.ToExitCode(new MachineExit(reason, status, 0, null)));

    private static void SkipUnlessKvm() => KvmTestSupport.SkipUnlessKvm();
}
