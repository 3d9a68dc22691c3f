using System.Diagnostics;
using System.Runtime.CompilerServices;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>
/// The C guest library (guests/c/lib) in a test kernel of the user's own, built as docs/guests-in-c.md says and run
/// with `vmm run --kernel`: the library installs its own IDT gates there (for a built-in guest vmm does), so this is
/// where its #DF gate must name the environment's double-fault stack itself.
/// </summary>
[Collection("vmm-cli")]
public sealed class CGuestLibraryTests
{
    // vCPU 0 loads a non-canonical RSP and pushes: the #SS cannot be pushed either, so a #DF follows (SDM Vol. 3 §6.15,
    // interrupt 8). CLEAR_DF_IST first takes the IST out of the #DF gate, as a library without the change would leave it.
    private const string Source = """
        #include "guest.h"

        void guest_main(void)
        {
            if (cpu_id() != 0)
                return;
        #ifdef CLEAR_DF_IST
            struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
            __asm__ volatile("sidt %0" : "=m"(idtr));
            ((volatile uint64_t *)idtr.base)[8 * 2] &= ~(7ull << 32);
        #endif
            __asm__ volatile("mov %0, %%rsp\n\tpush %%rax" : : "r"(0x8000000000000000ull) : "memory");
        }
        """;

    private readonly ITestOutputHelper _output;

    public CGuestLibraryTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ADoubleFaultFromABadStackIsReportedWithThatStackPointerAndFailsTheGuest()
    {
        (int code, string serial, string error) = BuildAndRun(clearDoubleFaultIst: false);
        Assert.True(code == ExitCodes.GuestFailed, $"exit {code}\n{error}{serial}");
        Assert.Matches("vmm-guest: vCPU 0: unexpected #DF \\(vector 8\\) at rip 0x[0-9a-f]+, cs 0x8, error code 0x0, rsp 0x8000000000000000, cr2 0x[0-9a-f]+", serial);
    }

    [Fact]
    public void WithoutTheDoubleFaultStackTheSameFaultShutsTheVmDownUnreported()
    {
        // Negative control for the test above.
        (int code, string serial, string error) = BuildAndRun(clearDoubleFaultIst: true);
        Assert.True(code == ExitCodes.VmFault, $"exit {code}\n{error}{serial}");
        Assert.Contains("shut down (triple fault)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", serial, StringComparison.Ordinal);
    }

    private (int Code, string Serial, string Error) BuildAndRun(bool clearDoubleFaultIst)
    {
        KvmTestSupport.SkipUnlessKvm();
        string lib = LibraryDirectory();
        string dir = Directory.CreateTempSubdirectory("vmm-ctest-").FullName;
        try
        {
            string source = Path.Combine(dir, "dfault.c");
            string elf = Path.Combine(dir, "dfault.elf");
            string serial = Path.Combine(dir, "serial.txt");
            File.WriteAllText(source, Source);

            // The flags the test build compiles the built-in C guests with (VmmCGuestFlags in Vmm.Guests.csproj).
            List<string> args =
            [
                .. BuildFlags(), $"-Wl,-T,{Path.Combine(lib, "link.ld")}", $"-I{lib}",
                .. clearDoubleFaultIst ? new[] { "-DCLEAR_DF_IST" } : [],
                "-o", elf, Path.Combine(lib, "start.S"), .. Directory.GetFiles(lib, "*.c"), source,
            ];
            using (var gcc = Process.Start(new ProcessStartInfo("gcc", args) { RedirectStandardError = true })!)
            {
                string gccErrors = gcc.StandardError.ReadToEnd();
                gcc.WaitForExit();
                Assert.True(gcc.ExitCode == 0, $"gcc could not build the test kernel: {gccErrors}");
            }

            var error = new StringWriter();
            int code = VmmCommandLine.Run(["run", "--kernel", elf, "--cpus", "1", "--serial", serial, "--timeout", "60"], error);
            string text = File.ReadAllText(serial);
            _output.WriteLine($"exit {code}\n{error}{text}");
            return (code, text, error.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string LibraryDirectory() => Path.Combine(RepositoryDirectory(), "guests", "c", "lib");

    private static string[] BuildFlags()
    {
        string project = Path.Combine(RepositoryDirectory(), "guests", "Vmm.Guests", "Vmm.Guests.csproj");
        string flags = System.Xml.Linq.XDocument.Load(project).Descendants("VmmCGuestFlags").Single().Value;
        return flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string RepositoryDirectory([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
