using Iced.Intel;
using Vmm.Core.Hypervisor;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hvprobe`: checks the Hyper-V surface from inside the guest, on every vCPU, against the profile the VM was
/// started with (`--hv`): every CPUID leaf 0x40000000-0x4000000A (and the zero leaves) exactly as profiled;
/// VP_INDEX equals the vCPU index and is read-only; vCPU 0 sets GUEST_OS_ID and enables the hypercall page,
/// then every vCPU calls through it (fast and slow null hypercalls); TIME_REF_COUNT is monotonic and agrees
/// with the reference TSC page; one call of each error class returns its exact HV_STATUS; a call from CPL3
/// raises #UD; every MSR the profile does not grant raises #GP. vCPU 0 prints each failure by name and exits
/// with 0 only if every vCPU passed every check.
/// </summary>
public sealed class HvProbeGuest : IBuiltInGuest
{
    /// <summary>The GUEST_OS_ID the probe writes (an open-source OS id, TLFS "Reporting the Guest OS Identity").</summary>
    public const ulong GuestOsId = 0x8100_0000_0000_0001;

    private const ulong SetupFlag = GuestCodeBuilder.DataBase;
    private const ulong Results = GuestCodeBuilder.DataBase + 0x100;        // 8 bytes per vCPU
    private const ulong UserStacks = GuestCodeBuilder.DataBase + 0x900;     // 8 bytes per vCPU
    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong ReferenceTscPage = GuestCodeBuilder.DataBase + 0x3000;
    private const ulong SlowInputs = GuestCodeBuilder.DataBase + 0x4000;    // 64 bytes per vCPU
    private const uint Passed = 1;
    private const int ArmedForMsrFault = 2;
    private const int ArmedForUserHypercall = 1;
    private const int ArmedForCompatHypercall = 3;

    /// <summary>A fault anywhere in the first bytes of the hypercall page is the stub's trapping instruction.</summary>
    private const int HypercallStubWindow = 16;
    private const ulong Notes = GuestCodeBuilder.DataBase + 0xA00;          // 8 bytes per vCPU
    private const ulong VpIndexTable = GuestCodeBuilder.DataBase + 0x1200;  // 8 bytes per vCPU
    private const uint FailedBase = 0x1_0000;

    /// <inheritdoc />
    public string Name => "hvprobe";

    /// <inheritdoc />
    public string Description => "checks the Hyper-V CPUID leaves, synthetic MSRs and hypercalls from inside the guest against --hv";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>();

    /// <summary>The check names in id order, as the guest prints them.</summary>
    public static IReadOnlyList<string> CheckNames(HyperVFeatureProfile profile, int processorCount)
    {
        var probe = new Probe(profile, processorCount, Enumerable.Range(0, processorCount).ToArray());
        probe.Emit();
        return probe.Names;
    }

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var probe = new Probe(context.HyperV, context.ProcessorCount, context.VpIndices);
        return probe.Emit();
    }

    private static ulong Call(HvCallCode code, bool fast = false, int repCount = 0) =>
        (ulong)code | (fast ? HypercallInput.FastBit : 0) | ((ulong)repCount << HypercallInput.RepCountShift);

    /// <summary>One assembly of the probe: emits code and records the check names as it goes.</summary>
    private sealed class Probe
    {
        private readonly HyperVFeatureProfile _profile;
        private readonly int _processors;
        private readonly IReadOnlyList<int> _vpIndices;
        private readonly GuestCodeBuilder _g = new();
        private readonly List<string> _names = [];
        private Label _fail;
        private Label _afterHypercall;
        private Label _afterUserMode;
        private Label _afterCompat;

        public Probe(HyperVFeatureProfile profile, int processors, IReadOnlyList<int> vpIndices)
        {
            _profile = profile;
            _processors = processors;
            _vpIndices = vpIndices;
            _fail = _g.Asm.CreateLabel("fail");
            _afterHypercall = _g.Asm.CreateLabel("after_hc");
            _afterUserMode = _g.Asm.CreateLabel("after_user");
            _afterCompat = _g.Asm.CreateLabel("after_compat");
        }

        public IReadOnlyList<string> Names => _names;

        private Assembler A => _g.Asm;

        public GuestImage Emit()
        {
            Label entry = A.CreateLabel("entry");
            Label pass = A.CreateLabel("pass");
            A.Label(ref entry);
            A.mov(r12, rsi);                                // vCPU count
            A.mov(r13, rdi);                                // vCPU index
            A.mov(rax, UserStacks);
            A.mov(__qword_ptr[rax + rdi * 8], r8);          // keep the user stack: hypercalls clobber R8

            // The expected VP index of every vCPU (`--vp-index`), written by vCPU 0 before anyone reads it: each
            // vCPU writes its own entry from an immediate table compare chain instead (no shared-write race).
            for (int i = 0; i < _vpIndices.Count; i++)
            {
                Label next = A.CreateLabel();
                A.cmp(r13d, i);
                A.jne(next);
                A.mov(rax, VpIndexTable);
                A.mov(__qword_ptr[rax + (i * 8)], _vpIndices[i]);
                A.Label(ref next);
                A.nop();
            }

            EmitCpuidChecks();
            if (_profile.IsEnabled)
            {
                EmitVpIndexChecks();
                EmitSetup();
                if (_profile.Has(HyperVFeature.Hypercall))
                {
                    EmitHypercallChecks();
                }

                if (_profile.Has(HyperVFeature.Time))
                {
                    EmitTimeChecks();
                }
            }

            EmitMsrFaultChecks();
            if (_profile.Has(HyperVFeature.Hypercall))
            {
                EmitCompatibilityModeHypercallCheck();
                EmitUserModeHypercallCheck();
            }

            A.Label(ref pass);
            A.mov(eax, (int)Passed);
            EmitReport(pass);
            return _g.Build(entry);
        }

        private void Check(string name)
        {
            _names.Add(name);
            A.mov(r14d, _names.Count - 1);
        }

        private void ReadMsrIntoRax(uint msr)
        {
            A.mov(ecx, msr);
            A.rdmsr();
            A.shl(rdx, 32);
            A.or(rax, rdx);
        }

        private void EmitCpuidChecks()
        {
            // No KVM signature ("KVMKVMKVM\0\0\0") at any hypervisor base leaf 0x40000000-0x4000FF00 (Linux looks for
            // KVM at 0x40000000 + n*0x100 and would pick it over Hyper-V).
            Check("no KVM signature at any CPUID leaf 0x400xxx00");
            Label scan = A.CreateLabel("scan_kvm");
            Label clean = A.CreateLabel("scan_clean");
            A.mov(r10d, 0x4000_0000u);
            A.Label(ref scan);
            A.mov(eax, r10d);
            A.xor(ecx, ecx);
            A.cpuid();
            A.cmp(ebx, 0x4B4D_564B);                    // "KVMK"
            A.jne(clean);
            A.cmp(ecx, 0x564B_4D56);                    // "VMKV"
            A.je(_fail);
            A.Label(ref clean);
            A.add(r10d, 0x100);
            A.cmp(r10d, 0x4001_0000u);
            A.jb(scan);

            // Exactly the leaves the VMM derives from the same profile (HvCpuidLeaves), register by register.
            foreach (CpuidEntry e in HvCpuidLeaves.Build(_profile, _processors))
            {
                Check($"CPUID 0x{e.Function:X8} is as profiled");
                A.mov(eax, e.Function);
                A.xor(ecx, ecx);
                A.cpuid();
                A.cmp(eax, e.Eax);
                A.jne(_fail);
                A.cmp(ebx, e.Ebx);
                A.jne(_fail);
                A.cmp(ecx, e.Ecx);
                A.jne(_fail);
                A.cmp(edx, e.Edx);
                A.jne(_fail);
            }

            if (_profile.IsEnabled)
            {
                Check("CPUID.1:ECX[31] reports a hypervisor");
                A.mov(eax, 1);
                A.xor(ecx, ecx);
                A.cpuid();
                A.bt(ecx, 31);
                A.jnc(_fail);
            }
        }

        private void EmitVpIndexChecks()
        {
            if (!_profile.Has(HyperVFeature.VpIndex))
            {
                return;
            }

            Check("HV_X64_MSR_VP_INDEX is this vCPU's VP index");
            ReadMsrIntoRax(HvMsr.VpIndex);
            A.mov(rcx, VpIndexTable);
            A.cmp(rax, __qword_ptr[rcx + r13 * 8]);
            A.jne(_fail);

            Check("HV_X64_MSR_VP_INDEX is read-only (#GP on write)");
            A.xor(r15d, r15d);
            A.mov(ebp, ArmedForMsrFault);
            A.mov(ecx, HvMsr.VpIndex);
            A.xor(eax, eax);
            A.xor(edx, edx);
            A.wrmsr();
            A.xor(ebp, ebp);
            A.cmp(r15d, 1);
            A.jne(_fail);
        }

        private void EmitSetup()
        {
            // vCPU 0 sets the partition-wide MSRs; the others wait for its flag. A failure in setup also raises
            // the flag (see EmitReport) so nobody waits forever.
            Label waitSetup = A.CreateLabel("wait_setup");
            Label setupDone = A.CreateLabel("setup_done");
            A.test(r13, r13);
            A.jnz(waitSetup);
            if (_profile.Has(HyperVFeature.Hypercall))
            {
                Check("HV_X64_MSR_GUEST_OS_ID reads back what was written");
                A.mov(ecx, HvMsr.GuestOsId);
                A.mov(rax, GuestOsId);
                A.mov(rdx, rax);
                A.shr(rdx, 32);
                A.wrmsr();
                ReadMsrIntoRax(HvMsr.GuestOsId);
                A.mov(r10, GuestOsId);
                A.cmp(rax, r10);
                A.jne(_fail);

                Check("HV_X64_MSR_HYPERCALL enables the hypercall page");
                A.mov(ecx, HvMsr.Hypercall);
                A.mov(eax, (uint)(HypercallPage | 1));
                A.xor(edx, edx);
                A.wrmsr();
                ReadMsrIntoRax(HvMsr.Hypercall);
                A.mov(r10, HypercallPage | 1);
                A.cmp(rax, r10);
                A.jne(_fail);
            }

            if (_profile.Has(HyperVFeature.Time))
            {
                Check("HV_X64_MSR_REFERENCE_TSC enables the reference TSC page");
                A.mov(ecx, HvMsr.ReferenceTsc);
                A.mov(eax, (uint)(ReferenceTscPage | 1));
                A.xor(edx, edx);
                A.wrmsr();
                ReadMsrIntoRax(HvMsr.ReferenceTsc);
                A.mov(r10, ReferenceTscPage | 1);
                A.cmp(rax, r10);
                A.jne(_fail);
            }

            A.mov(rax, SetupFlag);
            A.mov(__qword_ptr[rax], 1);
            A.jmp(setupDone);

            A.Label(ref waitSetup);
            A.pause();
            A.mov(rax, SetupFlag);
            A.cmp(__qword_ptr[rax], 0);
            A.je(waitSetup);
            A.Label(ref setupDone);
        }

        private void CallHypercallPage()
        {
            A.mov(r11, HypercallPage);
            A.call(r11);
        }

        private void ExpectStatus(HvStatus status)
        {
            A.cmp(ax, (short)status);
            A.jne(_fail);
        }

        private void EmitHypercallChecks()
        {
            Check("fast null hypercall (HvCallNotifyLongSpinWait) succeeds");
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait, fast: true));
            A.xor(edx, edx);
            A.xor(r8d, r8d);
            CallHypercallPage();
            A.test(rax, rax);                               // status 0 and no reps completed
            A.jne(_fail);

            Check("slow null hypercall (input in memory) succeeds");
            A.mov(rdx, r13);
            A.shl(rdx, 6);
            A.mov(rax, SlowInputs);
            A.add(rdx, rax);                                // this vCPU's 64-byte input block
            A.mov(__qword_ptr[rdx], 0);
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait));
            A.xor(r8d, r8d);
            CallHypercallPage();
            A.test(rax, rax);
            A.jne(_fail);

            Check("an unknown call code returns HV_STATUS_INVALID_HYPERCALL_CODE");
            A.mov(rcx, 0x1_BEEFUL);                         // fast, code 0xBEEF
            A.xor(edx, edx);
            A.xor(r8d, r8d);
            CallHypercallPage();
            ExpectStatus(HvStatus.InvalidHypercallCode);

            Check("reserved control-word bits return HV_STATUS_INVALID_HYPERCALL_INPUT");
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait, fast: true) | (1UL << 27));
            A.xor(edx, edx);
            A.xor(r8d, r8d);
            CallHypercallPage();
            ExpectStatus(HvStatus.InvalidHypercallInput);

            Check("a rep count on a simple call returns HV_STATUS_INVALID_HYPERCALL_INPUT");
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait, fast: true, repCount: 1));
            A.xor(edx, edx);
            A.xor(r8d, r8d);
            CallHypercallPage();
            ExpectStatus(HvStatus.InvalidHypercallInput);

            Check("a misaligned input GPA returns HV_STATUS_INVALID_ALIGNMENT");
            A.mov(rdx, r13);
            A.shl(rdx, 6);
            A.mov(rax, SlowInputs + 4);
            A.add(rdx, rax);
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait));
            A.xor(r8d, r8d);
            CallHypercallPage();
            ExpectStatus(HvStatus.InvalidAlignment);

            Check("an input GPA outside guest RAM returns HV_STATUS_INVALID_PARAMETER");
            A.mov(rdx, 0x7FFF_FFFF_F000UL);
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait));
            A.xor(r8d, r8d);
            CallHypercallPage();
            ExpectStatus(HvStatus.InvalidParameter);
        }

        private void EmitTimeChecks()
        {
            Check("HV_X64_MSR_TIME_REF_COUNT is monotonic");
            ReadMsrIntoRax(HvMsr.TimeRefCount);
            A.mov(r10, rax);
            ReadMsrIntoRax(HvMsr.TimeRefCount);
            A.cmp(rax, r10);
            A.jb(_fail);

            // TLFS reference TSC page: time = ((TSC * TscScale) >> 64) + TscOffset; an MSR read between two page
            // reads must fall between them, because both come from the same guest TSC and formula.
            Check("the reference TSC page is valid and agrees with TIME_REF_COUNT");
            A.mov(rsi, ReferenceTscPage);
            A.mov(r9d, __dword_ptr[rsi]);                   // TscSequence
            A.test(r9d, r9d);
            A.jz(_fail);
            A.rdtsc();
            A.shl(rdx, 32);
            A.or(rax, rdx);
            A.mul(__qword_ptr[rsi + 8]);
            A.add(rdx, __qword_ptr[rsi + 16]);
            A.mov(r10, rdx);                                // page time before
            ReadMsrIntoRax(HvMsr.TimeRefCount);
            A.mov(r11, rax);                                // MSR time
            A.rdtsc();
            A.shl(rdx, 32);
            A.or(rax, rdx);
            A.mul(__qword_ptr[rsi + 8]);
            A.add(rdx, __qword_ptr[rsi + 16]);              // page time after
            A.cmp(r9d, __dword_ptr[rsi]);
            A.jne(_fail);
            A.cmp(r11, r10);
            A.jb(_fail);
            A.cmp(rdx, r11);
            A.jb(_fail);
        }

        private void EmitMsrFaultChecks()
        {
            foreach ((uint msr, string what) in MustFault())
            {
                Check($"{what} raises #GP");
                A.xor(r15d, r15d);
                A.mov(ebp, ArmedForMsrFault);
                A.mov(ecx, msr);
                A.rdmsr();
                A.xor(ebp, ebp);
                A.cmp(r15d, 1);
                A.jne(_fail);
            }
        }

        private List<(uint Msr, string What)> MustFault()
        {
            var list = new List<(uint, string)> { (0x4000_00FF, "an undefined synthetic MSR (0x400000FF)") };
            if (!_profile.Has(HyperVFeature.Hypercall))
            {
                list.Add((HvMsr.GuestOsId, "HV_X64_MSR_GUEST_OS_ID without the hypercall privilege"));
                list.Add((HvMsr.Hypercall, "HV_X64_MSR_HYPERCALL without the hypercall privilege"));
            }

            if (!_profile.Has(HyperVFeature.VpIndex))
            {
                list.Add((HvMsr.VpIndex, "HV_X64_MSR_VP_INDEX without its privilege"));
            }

            if (!_profile.Has(HyperVFeature.Time))
            {
                list.Add((HvMsr.TimeRefCount, "HV_X64_MSR_TIME_REF_COUNT without its privilege"));
                list.Add((HvMsr.ReferenceTsc, "HV_X64_MSR_REFERENCE_TSC without its privilege"));
            }

            if (!_profile.Has(HyperVFeature.Frequencies))
            {
                list.Add((HvMsr.TscFrequency, "HV_X64_MSR_TSC_FREQUENCY without its privilege"));
            }

            // Linux writes VP_ASSIST_PAGE on every CPU whatever is advertised (docs/hyperv.md#linux-boot), so the VMM accepts
            // it with either AccessIntrCtrlRegs or the hypercall MSRs; it faults only with neither.
            if (!_profile.Has(HyperVFeature.VpAssist) && !_profile.Has(HyperVFeature.Hypercall))
            {
                list.Add((HvMsr.VpAssistPage, "HV_X64_MSR_VP_ASSIST_PAGE without any Hyper-V privilege"));
            }

            return list;
        }

        private void EmitUserModeHypercallCheck()
        {
            // Drop to CPL3 and call the hypercall page: the VMM must raise #UD at the call instruction (TLFS: a
            // hypercall from CPL > 0 raises #UD). The #UD handler notes it and resumes at after_hc; a UD2 there
            // climbs back to CPL0 (the handler tells the two apart by the faulting RIP).
            Check("a hypercall from CPL3 never runs (#UD from the VMM, or #GP where the platform refuses the trap)");
            Label user = A.CreateLabel("user");
            A.xor(r15d, r15d);
            A.mov(ebp, ArmedForUserHypercall);
            A.mov(rax, UserStacks);
            A.mov(r8, __qword_ptr[rax + r13 * 8]);
            _g.EnterUserMode(user);
            A.Label(ref user);
            A.mov(rcx, Call(HvCallCode.HvCallNotifyLongSpinWait, fast: true));
            A.xor(edx, edx);
            CallHypercallPage();
            A.Label(ref _afterHypercall);
            A.ud2();
            A.Label(ref _afterUserMode);
            A.xor(ebp, ebp);
            Label ok = A.CreateLabel();
            A.cmp(r15d, 1);
            A.je(ok);
            A.cmp(r15d, 2);
            A.jne(_fail);
            // The OUT in the stub faulted in the guest before any exit: on PVM hosts guest user mode is host user
            // mode, so IOPL does not open the port (and on VMX, CPL > IOPL faults before the VM exit). The VMM's
            // own #UD rule is proven by the compatibility-mode check; note which answer this platform gave.
            A.mov(rax, Notes);
            A.mov(__qword_ptr[rax + r13 * 8], 1);
            A.Label(ref ok);
            A.nop();
        }

        /// <summary>
        /// Sets the flags for "the faulting RIP at [RSP + <paramref name="ripSlot"/>] lies in the hypercall stub"
        /// (JB: it does). The trapping instruction is not the stub's first: the KVM stub starts with ENDBR64.
        /// </summary>
        private void EmitStubOffsetCompare(int ripSlot)
        {
            A.mov(rax, __qword_ptr[rsp + ripSlot]);
            A.sub(rax, (int)HypercallPage);
            A.cmp(rax, HypercallStubWindow);
        }

        private void EmitCompatibilityModeHypercallCheck()
        {
            // A CPL0 caller in 32-bit compatibility mode reaches the VMM (port I/O is allowed at CPL0) and must get
            // #UD: the x64 hypercall convention needs 64-bit mode. The #UD handler returns to 64-bit code.
            Check("a hypercall from 32-bit compatibility mode raises #UD");
            Label compat = A.CreateLabel("compat");
            A.xor(r15d, r15d);
            A.mov(ebp, ArmedForCompatHypercall);
            A.push((int)Core.Boot.X86.LongModeLayout.KernelCode32Selector);
            A.lea(rax, __[compat]);
            A.push(rax);
            A.db([0x48, 0xCB]);                                      // retfq: far return into the 32-bit segment
            A.Label(ref compat);
            byte[] page = BitConverter.GetBytes((uint)HypercallPage);
            A.db([0xB8, page[0], page[1], page[2], page[3]]);       // mov eax, hypercall page   (32-bit code)
            A.db([0xB9, 0x08, 0x00, 0x01, 0x00]);                   // mov ecx, 0x10008 (fast HvCallNotifyLongSpinWait)
            A.db([0xFF, 0xD0]);                                     // call eax
            A.db([0x0F, 0x0B]);                                     // ud2: not reached, the call must fault
            A.Label(ref _afterCompat);
            A.xor(ebp, ebp);
            A.and(rsp, -16);
            A.cmp(r15d, 1);
            A.jne(_fail);
        }

        private void EmitReport(Label pass)
        {
            Label store = A.CreateLabel("store");
            Label park = A.CreateLabel("park");
            Label waitAll = A.CreateLabel("wait_all");
            Label report = A.CreateLabel("report");
            Label next = A.CreateLabel("next");
            Label summary = A.CreateLabel("summary");
            Label failed = A.CreateLabel("failed");
            Label vcpu = _g.String("hvprobe: vCPU ");
            Label failedCheck = _g.String(" failed check ");
            Label colon = _g.String(": ");
            Label newline = _g.String("\n");
            Label okPrefix = _g.String($"hvprobe: all {_names.Count} checks passed on ");
            Label okSuffix = _g.String($" vCPUs (--hv {_profile})\n");
            Label badSummary = _g.String("hvprobe: FAILED\n");
            Label note = _g.String("hvprobe: note: this platform refused the CPL3 hypercall with #GP before the VMM saw it (guest user mode cannot reach the trapping OUT); the VMM's #UD answer was checked from compatibility mode\n");

            A.jmp(store);
            A.Label(ref _fail);
            A.lea(eax, __[r14 + (int)FailedBase]);
            A.Label(ref store);
            A.mov(rcx, Results);
            A.mov(__qword_ptr[rcx + r13 * 8], rax);
            A.mov(rcx, SetupFlag);
            A.mov(__qword_ptr[rcx], 1);                     // never leave the others waiting for setup
            A.test(r13, r13);
            A.jz(waitAll);
            A.Label(ref park);
            _g.KernelPark();

            // vCPU 0: wait for every result, print each failure by name, then the verdict.
            A.Label(ref waitAll);
            A.xor(r10d, r10d);
            A.xor(r15d, r15d);                              // R15 was the fault flag; from here it counts failures
            A.Label(ref report);
            A.mov(rcx, Results);
            A.mov(rax, __qword_ptr[rcx + r10 * 8]);
            A.test(rax, rax);
            A.jz(report);                                   // not done yet: poll
            A.cmp(rax, (int)Passed);
            A.je(next);
            A.inc(r15);                                     // count failures (R15 is free after the checks)
            A.mov(r11, rax);
            _g.Print(vcpu);
            A.mov(rax, r10);
            _g.PrintRaxDecimal();
            _g.Print(failedCheck);
            A.mov(rax, r11);
            A.sub(eax, (int)FailedBase);
            A.mov(r11, rax);
            _g.PrintRaxDecimal();
            _g.Print(colon);
            EmitNameLookup();
            _g.Print(newline);
            A.Label(ref next);
            A.inc(r10);
            A.cmp(r10, r12);
            A.jb(report);

            A.Label(ref summary);
            A.test(r15, r15);
            A.jnz(failed);
            _g.Print(okPrefix);
            A.mov(rax, r12);
            _g.PrintRaxDecimal();
            _g.Print(okSuffix);
            Label noNote = A.CreateLabel("no_note");
            A.mov(rax, Notes);
            A.cmp(__qword_ptr[rax], 0);
            A.je(noNote);
            _g.Print(note);
            A.Label(ref noNote);
            _g.Exit(0);
            A.Label(ref failed);
            _g.Print(badSummary);
            _g.Exit(1);

            EmitFaultHandlers();
            _ = pass;
        }

        private void EmitNameLookup()
        {
            // R11 = check id; a compare chain prints its name (the ids and names are fixed at assembly time).
            Label done = A.CreateLabel("name_done");
            for (int id = 0; id < _names.Count; id++)
            {
                Label skip = A.CreateLabel();
                Label text = _g.String(_names[id]);
                A.cmp(r11, id);
                A.jne(skip);
                _g.Print(text);
                A.jmp(done);
                A.Label(ref skip);
            }

            A.nop();
            A.Label(ref done);
            A.nop();
        }

        private void EmitFaultHandlers()
        {
            if (!_profile.Has(HyperVFeature.Hypercall))
            {
                // No CPL3 hypercall check was emitted: bind its resume points to a failure so a stray fault
                // there cannot continue silently.
                A.Label(ref _afterHypercall);
                A.ud2();
                A.Label(ref _afterUserMode);
                A.nop();
                A.Label(ref _afterCompat);
                A.jmp(_fail);
            }

            // The handlers accept only the fault the current check armed them for (EBP); any other #GP or #UD fails
            // the current check (R14) instead of being skipped over.
            // #GP (error code pushed): armed for an MSR fault → R15 = 1 and skip the 2-byte RDMSR/WRMSR; armed for
            // the CPL3 hypercall and at the hypercall page → R15 = 2 (a #GP where #UD was due), resume at after_hc.
            Label gp = A.CreateLabel("gp");
            Label gpMsr = A.CreateLabel("gp_msr");
            Label unexpected = A.CreateLabel("unexpected");
            A.Label(ref gp);
            A.cmp(ebp, ArmedForMsrFault);
            A.je(gpMsr);
            A.cmp(ebp, ArmedForUserHypercall);
            A.jne(unexpected);
            A.push(rax);
            EmitStubOffsetCompare(16);
            A.pop(rax);
            A.jae(unexpected);
            A.mov(r15d, 2);
            A.push(rax);
            A.lea(rax, __[_afterHypercall]);
            A.mov(__qword_ptr[rsp + 16], rax);
            A.pop(rax);
            A.add(rsp, 8);
            A.iretq();
            A.Label(ref gpMsr);
            A.mov(r15d, 1);
            A.add(__qword_ptr[rsp + 8], 2);
            A.add(rsp, 8);
            A.iretq();
            A.Label(ref unexpected);
            A.xor(ebp, ebp);
            A.jmp(_fail);
            _g.SetGate(13, gp);

            // #UD, armed for the CPL3 hypercall only: at the hypercall page → R15 = 1 and resume at after_hc (CPL3);
            // at after_hc it is our own UD2 climbing back from CPL3: drop the frame and continue at after_user
            // (CPL0, kernel stack top).
            Label ud = A.CreateLabel("ud");
            Label escape = A.CreateLabel("escape");
            Label udCompat = A.CreateLabel("ud_compat");
            A.Label(ref ud);
            A.cmp(ebp, ArmedForCompatHypercall);
            A.je(udCompat);
            A.cmp(ebp, ArmedForUserHypercall);
            A.jne(unexpected);
            A.push(rax);
            EmitStubOffsetCompare(8);
            A.jae(escape);
            A.mov(r15d, 1);
            A.lea(rax, __[_afterHypercall]);
            A.mov(__qword_ptr[rsp + 8], rax);
            A.pop(rax);
            A.iretq();
            A.Label(ref escape);
            A.lea(rax, __[_afterHypercall]);
            A.cmp(__qword_ptr[rsp + 8], rax);
            A.pop(rax);
            A.jne(unexpected);
            A.add(rsp, 40);
            A.jmp(_afterUserMode);

            // #UD from the compatibility-mode call: at the hypercall page → R15 = 1; return to 64-bit code
            // (CS = kernel code64) at after_compat.
            A.Label(ref udCompat);
            A.push(rax);
            EmitStubOffsetCompare(8);
            A.pop(rax);
            A.jae(unexpected);
            A.mov(r15d, 1);
            A.push(rax);
            A.lea(rax, __[_afterCompat]);
            A.mov(__qword_ptr[rsp + 8], rax);
            A.mov(__qword_ptr[rsp + 16], (int)Core.Boot.X86.LongModeLayout.KernelCodeSelector);
            A.pop(rax);
            A.iretq();
            _g.SetGate(6, ud);
        }
    }
}
