using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The Hyper-V hypercall dispatcher: checks each call against the TLFS rules common to all hypercalls, copies its
/// input, runs the registered <see cref="IHypercall"/> and ends the call through one completion path.
/// </summary>
/// <remarks>
/// <para>
/// Checks, in this order (the TLFS leaves the order open, hypercall-interface.md "Ordering of Error Conditions";
/// this follows the guard-clause style of docs/design.md#validation; Linux arch/x86/kvm/hyperv.c, kvm_hv_hypercall), each ending the call at the first failure:
/// </para>
/// <list type="number">
/// <item>CPL ≠ 0, real mode, or not 64-bit mode → #UD. TLFS "Legal Hypercall Environments" (#UD for CPL &gt; 0 and
/// real mode). The TLFS also allows 32-bit protected-mode callers with another register convention; this VMM takes
/// the x64 convention only (<see cref="IHypercallIo.IsLongMode"/>), so they get #UD too.</item>
/// <item>RsvdZ bits 30:27, 47:44, 63:60 or the is-nested bit 31 → HV_STATUS_INVALID_HYPERCALL_INPUT (TLFS common
/// status codes; bit 31 as Linux and KVM treat it, docs/hyperv.md#control-word).</item>
/// <item>Unknown call code → HV_STATUS_INVALID_HYPERCALL_CODE (docs/hyperv.md#input-rules, #status-codes).</item>
/// <item>A known code the profile does not offer → HV_STATUS_ACCESS_DENIED (KVM's CPUID-enforcing check,
/// docs/hyperv.md#kvm-comparison, step 2; see <see cref="HypercallAccess"/>). KVM runs this check before the reserved-bit check;
/// here reserved bits come first, so a malformed control word reads the same whatever the profile.</item>
/// <item>A known, offered code without a registered handler → HV_STATUS_INVALID_HYPERCALL_CODE (REQ: unimplemented
/// calls report 2, docs/hyperv.md#status-codes).</item>
/// <item>Rep fields: a simple call with a non-zero rep count or rep start index, a rep call with rep count 0, or
/// rep start index ≥ rep count → HV_STATUS_INVALID_HYPERCALL_INPUT. TLFS, KVM and OpenVMM agree (docs/hyperv.md#input-rules,
/// #kvm-comparison). KVM also refuses a non-zero rep start for the flush lists because it never continues a call; this
/// dispatcher does continue calls, so any start below the count is valid.</item>
/// <item>A variable header on a call documented without one → HV_STATUS_INVALID_HYPERCALL_INPUT (TLFS "Variable
/// Sized Hypercall Input Headers").</item>
/// <item>Fast calls: input above 16 bytes needs XMM input, output needs XMM output; either one not advertised → #UD
/// (TLFS "XMM Fast Hypercall Input/Output"). Input plus output above the 112 bytes of RDX, R8, XMM0-XMM5 →
/// HV_STATUS_INVALID_HYPERCALL_INPUT (as OpenVMM does; the TLFS names no status).</item>
/// <item>Memory-based calls, input block then output block, each only when the call has one (TLFS: the GPA of an
/// absent block is ignored): GPA not 8-byte aligned → HV_STATUS_INVALID_ALIGNMENT; block crossing a 4 KiB page →
/// HV_STATUS_INVALID_ALIGNMENT (TLFS common status codes; docs/hyperv.md#input-rules); block not in guest RAM →
/// <see cref="GpaNotRamStatus"/>.</item>
/// </list>
/// <para>
/// Then the input is copied once into a per-VP buffer (the guest may change its memory at any time; the handler only
/// sees the copy), the handler runs, its output is written back, and the call ends exactly once: Complete,
/// Continue (rep calls stopped early, TLFS "Hypercall Continuation") or #UD. Nothing the guest passes makes this
/// class throw; it throws only for VMM bugs (a processor index out of range, a handler breaking the
/// <see cref="HypercallOutcome"/> rules), and then ends nothing.
/// </para>
/// <para>
/// Thread-safe for calls from different vCPUs; one call at a time per vCPU. Register every handler before the
/// first call. Untraced calls take no timestamp and allocate nothing.
/// </para>
/// </remarks>
public sealed class HypercallDispatcher : IHypercallHandler
{
    /// <summary>
    /// The status of a memory-based call whose input or output block is not guest RAM. The sources disagree: the
    /// TLFS common status table says HV_STATUS_INVALID_ALIGNMENT for a GPA outside the GPA space (and a memory
    /// intercept for unmapped GPAs), KVM and OpenVMM answer HV_STATUS_INVALID_HYPERCALL_INPUT when the guest read
    /// fails. This VMM answers HV_STATUS_INVALID_PARAMETER, which no alignment or control-word fault can produce,
    /// so a trace tells the cases apart.
    /// </summary>
    public const HvStatus GpaNotRamStatus = HvStatus.InvalidParameter;

    private const int PageSize = 4096;
    private const ulong PageOffsetMask = PageSize - 1;
    private const int FastPairSize = 16;

    // RDX:R8, then XMM0..XMM5: seven 16-byte pairs, 112 bytes (TLFS "XMM Fast Hypercall Input").
    private const int FastPairCount = 7;

    // Codes 0x0000-0x00FF at 0x000-0x0FF, extended codes 0x8000-0x80FF at 0x100-0x1FF.
    private const int TableSize = 0x200;

    private readonly GuestMemory _memory;
    private readonly IHypercallTracer? _tracer;
    private readonly Entry[] _table = new Entry[TableSize];
    private readonly VpBuffers[] _vps;
    private readonly bool _xmmInput;
    private readonly bool _xmmOutput;
    private readonly int _maxRepsPerInvocation;
    private readonly IHypercallCallerRegisters? _callerRegisters;
    private volatile bool _started;

    /// <summary>Creates a dispatcher with no handlers; add them with <see cref="Register"/>.</summary>
    /// <param name="profile">What the guest was offered: decides which known calls answer access denied, and XMM use.</param>
    /// <param name="memory">Guest RAM, where memory-based calls find their input and output.</param>
    /// <param name="vpCount">Number of vCPUs; <see cref="IHypercallIo.ProcessorIndex"/> is below it.</param>
    /// <param name="tracer">Receives one record per call; null for none (then no timestamps are taken).</param>
    /// <param name="options">XMM and continuation settings; null for <see cref="HypercallDispatcherOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vpCount"/> or an option is out of range.</exception>
    public HypercallDispatcher(
        HyperVFeatureProfile profile,
        GuestMemory memory,
        int vpCount,
        IHypercallTracer? tracer = null,
        HypercallDispatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(vpCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vpCount, HvCpuidLeaves.MaxVirtualProcessors);
        options ??= HypercallDispatcherOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRepsPerInvocation, nameof(options));

        _memory = memory;
        _tracer = tracer;
        _xmmInput = options.XmmInput ?? profile.FeatureFlags.XmmRegistersForFastHypercallAvailable;
        _xmmOutput = options.XmmOutput ?? profile.FeatureFlags.XmmRegistersForFastHypercallOutputAvailable;
        _maxRepsPerInvocation = options.MaxRepsPerInvocation;
        _callerRegisters = options.CallerRegisters;

        foreach (HvCallCodeInfo info in HvCallCodeInfo.All)
        {
            int index = TableIndex(info.Code);
            if (index < 0)
            {
                throw new InvalidOperationException($"{info.Name} (0x{(ushort)info.Code:X4}) does not fit the dispatch table; widen TableIndex.");
            }

            _table[index] = new Entry(info, HypercallAccess.IsOffered(profile, info.Code));
        }

        _vps = new VpBuffers[vpCount];
        for (int i = 0; i < _vps.Length; i++)
        {
            _vps[i] = new VpBuffers();
        }
    }

    /// <summary>The number of vCPUs this dispatcher serves.</summary>
    public int ProcessorCount => _vps.Length;

    /// <summary>True when XMM fast hypercall input is accepted.</summary>
    public bool AcceptsXmmInput => _xmmInput;

    /// <summary>True when fast hypercall output is returned in XMM registers.</summary>
    public bool ReturnsXmmOutput => _xmmOutput;

    /// <summary>Adds the handler of <see cref="HypercallLayout.Code"/>; call before the VM runs.</summary>
    /// <returns>This dispatcher, to chain registrations.</returns>
    /// <exception cref="ArgumentException">The layout names an unknown code, its class does not match, or the code already has a handler.</exception>
    /// <exception cref="InvalidOperationException">The dispatcher has already handled a call.</exception>
    public HypercallDispatcher Register(IHypercall handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_started)
        {
            throw new InvalidOperationException("Register hypercall handlers before the VM starts.");
        }

        HypercallLayout layout = handler.Layout;
        int index = TableIndex(layout.Code);
        if (index < 0 || !_table[index].IsKnown)
        {
            throw new ArgumentException($"Call code 0x{(ushort)layout.Code:X4} is not a known hypercall.", nameof(handler));
        }

        ref Entry entry = ref _table[index];
        if (entry.Info.IsRep != layout.IsRep)
        {
            throw new ArgumentException($"{entry.Info.Name} is a {(entry.Info.IsRep ? "rep" : "simple")} call; the handler's layout is not.", nameof(handler));
        }

        if (entry.Handler is not null)
        {
            throw new ArgumentException($"{entry.Info.Name} already has a handler ({entry.Handler.GetType().Name}).", nameof(handler));
        }

        entry.Handler = handler;
        entry.Layout = layout;
        return this;
    }

    /// <summary>True when <paramref name="code"/> has a registered handler.</summary>
    public bool IsRegistered(HvCallCode code)
    {
        int index = TableIndex(code);
        return index >= 0 && _table[index].Handler is not null;
    }

    /// <summary>True when <paramref name="code"/> is known and the profile offers it (else it answers access denied or invalid code).</summary>
    public bool IsOffered(HvCallCode code)
    {
        int index = TableIndex(code);
        return index >= 0 && _table[index].IsKnown && _table[index].IsOffered;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The backend passed a processor index of no vCPU.</exception>
    public void Hypercall(IHypercallIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        int processorIndex = io.ProcessorIndex;
        ArgumentOutOfRangeException.ThrowIfNegative(processorIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processorIndex, _vps.Length);
        if (!_started)
        {
            _started = true;
        }

        IHypercallTracer? tracer = _tracer;
        bool timed = tracer is not null || HypercallMetrics.Duration.Enabled;
        long startTicks = 0;
        DateTime startTime = default;
        ulong rip = 0;
        Caller caller = default;
        HypercallTraceDetails? details = null;
        if (tracer is not null)
        {
            startTime = DateTime.UtcNow;
            rip = io.InstructionPointer; // before the call ends: a transport may rewind RIP for Continue and #UD
            caller = ReadCaller(io, processorIndex);
            details = HypercallTraceDetails.Begin();
        }

        if (timed)
        {
            startTicks = Stopwatch.GetTimestamp(); // after the caller is read: the duration is the dispatcher's own
        }

        var control = new HypercallInput(io.Control);
        Verdict verdict = Evaluate(io, processorIndex, control, _vps[processorIndex]);

        // The one place a call ends (docs/design.md#validation: a single completion path).
        switch (verdict.Ending)
        {
            case HypercallEnding.InvalidOpcode:
                io.InjectInvalidOpcode();
                break;
            case HypercallEnding.Continued:
                io.Continue(control.WithRepStartIndex(verdict.Reps).Value);
                break;
            default:
                io.Complete(new HypercallResult(verdict.Status, verdict.Reps).Value);
                break;
        }

        double durationUs = timed ? Stopwatch.GetElapsedTime(startTicks).TotalMicroseconds : 0;
        if (HypercallMetrics.Calls.Enabled || HypercallMetrics.Duration.Enabled)
        {
            RecordMetrics(control, verdict, durationUs);
        }

        if (tracer is not null)
        {
            HypercallTraceDetails.End();
            var record = new HypercallTraceRecord
            {
                Timestamp = startTime,
                ProcessorIndex = processorIndex,
                Control = control,
                UsesXmm = verdict.UsesXmm,
                IsRep = IsRepCall(control),
                Ending = verdict.Ending,
                Status = verdict.Status,
                RepsCompleted = verdict.Reps,
                DurationMicroseconds = durationUs,
                InstructionPointer = rip,
                CallerState = caller.State,
                ReturnAddress = caller.ReturnAddress,
                CallSite = caller.Code,
                CallSiteLength = caller.CodeLength,
                TargetShape = details!.TargetShape,
                TargetCount = details.TargetCount,
                BankCount = details.BankCount,
                RangeCount = details.RangeCount,
                FlushAll = details.FlushAll,
                FlushStrategy = details.FlushStrategy,
                FlushMicroseconds = details.FlushMicroseconds,
                Kicked = details.Kicked,
            };
            tracer.OnHypercall(in record);
        }
    }

    private static void RecordMetrics(HypercallInput control, Verdict verdict, double durationUs)
    {
        // Unknown codes share one name: a guest sending random codes must not make 65,536 time series.
        string callName = HvCallCodeInfo.TryGet(control.CallCode, out HvCallCodeInfo info) ? info.Name : HypercallMetrics.UnknownCallName;
        var name = new KeyValuePair<string, object?>(HypercallMetrics.NameTag, callName);
        var status = new KeyValuePair<string, object?>(
            HypercallMetrics.StatusTag,
            verdict.Ending == HypercallEnding.InvalidOpcode ? HypercallMetrics.InvalidOpcodeStatus : HvStatusNames.TlfsName(verdict.Status));
        HypercallMetrics.Calls.Add(1, name, status);
        if (HypercallMetrics.Duration.Enabled)
        {
            HypercallMetrics.Duration.Record(durationUs, name);
        }
    }

    /// <summary>
    /// Reads the caller of a call through the hypercall page: the page's stub is entered by a CALL and traps before
    /// its RET, so [RSP] is the return address into the calling function (TLFS "Hypercall Page"), read through the
    /// guest's own page tables, and the bytes before it end with the call instruction. Never throws for guest state.
    /// </summary>
    private Caller ReadCaller(IHypercallIo io, int processorIndex)
    {
        Caller caller = default;
        if (_callerRegisters is not { } registers)
        {
            return caller;
        }

        // The transport's copy first (free where the platform synced it at the exit), else the register source.
        if (!io.TryGetCallerRegisters(out ulong rsp, out ulong cr3) && !registers.TryRead(processorIndex, out rsp, out cr3))
        {
            caller.State = HypercallCallerState.RegistersUnavailable;
            return caller;
        }

        Span<byte> slot = stackalloc byte[8];
        if (GuestPageWalker.Read(_memory, cr3, rsp, slot) != slot.Length)
        {
            caller.State = HypercallCallerState.StackUnreadable;
            return caller;
        }

        ulong returnAddress = BinaryPrimitives.ReadUInt64LittleEndian(slot);
        caller.ReturnAddress = returnAddress;

        // The code window ends at the return address; when the page before it is not mapped, keep what lies in the
        // return address's own page.
        Span<byte> code = caller.Code;
        int length = HypercallCallSite.Length;
        if (GuestPageWalker.Read(_memory, cr3, returnAddress - (ulong)length, code) != length)
        {
            length = (int)Math.Min((ulong)HypercallCallSite.Length, returnAddress & PageOffsetMask);
            Span<byte> inPage = code[(HypercallCallSite.Length - length)..];
            if (length == 0 || GuestPageWalker.Read(_memory, cr3, returnAddress - (ulong)length, inPage) != length)
            {
                caller.State = HypercallCallerState.CodeUnreadable;
                return caller;
            }

            // Left-align, so the record's bytes always start at ReturnAddress - CallSiteLength.
            inPage.CopyTo(code);
        }

        caller.CodeLength = length;
        caller.State = HypercallCallerState.Read;
        return caller;
    }

    private static int TableIndex(HvCallCode code)
    {
        int value = (ushort)code;
        return value < 0x100 ? value
            : value is >= 0x8000 and < 0x8100 ? 0x100 + (value - 0x8000)
            : -1;
    }

    private static int PairsFor(int bytes) => (bytes + FastPairSize - 1) / FastPairSize;

    private bool IsRepCall(HypercallInput control)
    {
        int index = TableIndex(control.CallCode);
        return index >= 0 && _table[index].IsKnown ? _table[index].Info.IsRep : control.RepCount != 0;
    }

    private Verdict Evaluate(IHypercallIo io, int processorIndex, HypercallInput control, VpBuffers buffers)
    {
        if (io.Cpl != 0 || !io.IsProtectedMode || !io.IsLongMode)
        {
            return Verdict.InvalidOpcode(usesXmm: false);
        }

        if (control.HasReservedOrNestedBitsSet)
        {
            return Verdict.Fail(HvStatus.InvalidHypercallInput);
        }

        int index = TableIndex(control.CallCode);
        if (index < 0 || !_table[index].IsKnown)
        {
            return Verdict.Fail(HvStatus.InvalidHypercallCode);
        }

        ref readonly Entry entry = ref _table[index];
        if (!entry.IsOffered)
        {
            return Verdict.Fail(HvStatus.AccessDenied);
        }

        if (entry.Handler is not { } handler)
        {
            return Verdict.Fail(HvStatus.InvalidHypercallCode);
        }

        HypercallLayout layout = entry.Layout;
        int repCount = control.RepCount;
        int repStart = control.RepStartIndex;
        bool badReps = layout.IsRep
            ? repCount == 0 || repStart >= repCount
            : repCount != 0 || repStart != 0;
        if (badReps || (control.VariableHeaderSize != 0 && !entry.Info.HasVariableHeader))
        {
            return Verdict.Fail(HvStatus.InvalidHypercallInput);
        }

        // At most 4096 + 1023 * 8 + 4095 * 4096 bytes: no overflow.
        int inputSize = layout.InputSize + (control.VariableHeaderSize * 8) + (repCount * layout.RepInputSize);
        int outputSize = layout.IsRep ? repCount * layout.RepOutputSize : layout.OutputSize;
        var call = new Call(handler, layout, control, processorIndex, inputSize, outputSize);
        return control.IsFast ? DispatchFast(io, in call, buffers) : DispatchMemory(io, in call, buffers);
    }

    private Verdict DispatchMemory(IHypercallIo io, in Call call, VpBuffers buffers)
    {
        ulong inputGpa = io.InputValue;
        ulong outputGpa = io.OutputValue;
        HvStatus status = CheckBlock(inputGpa, call.InputSize);
        if (status == HvStatus.Success)
        {
            status = CheckBlock(outputGpa, call.OutputSize);
        }

        if (status != HvStatus.Success)
        {
            return Verdict.Fail(status);
        }

        Span<byte> input = buffers.Input.AsSpan(0, call.InputSize);
        if (input.Length != 0 && !_memory.TryRead(inputGpa, input))
        {
            return Verdict.Fail(GpaNotRamStatus);
        }

        Span<byte> output = buffers.Output.AsSpan(0, call.OutputSize);
        output.Clear();
        Verdict verdict = Invoke(in call, input, output, usesXmm: false, out int writeStart, out int writeEnd);
        if (writeEnd > writeStart)
        {
            // CheckBlock proved the whole output block is RAM, and guest RAM never changes shape.
            bool written = _memory.TryWrite(outputGpa + (ulong)writeStart, output[writeStart..writeEnd]);
            Debug.Assert(written, "The output block was checked to be guest RAM.");
        }

        return verdict;
    }

    private Verdict DispatchFast(IHypercallIo io, in Call call, VpBuffers buffers)
    {
        int inputPairs = PairsFor(call.InputSize);
        int outputPairs = PairsFor(call.OutputSize);
        if ((inputPairs > 1 && !_xmmInput) || (outputPairs > 0 && !_xmmOutput))
        {
            return Verdict.InvalidOpcode(usesXmm: true);
        }

        // Output takes the pairs after the input (TLFS "XMM Fast Hypercall Output"). IHypercallIo cannot write RDX
        // or R8, so output never starts before XMM0 even for a call without input.
        int firstOutputPair = Math.Max(inputPairs, 1);
        bool usesXmm = inputPairs > 1 || outputPairs > 0;
        if (inputPairs > FastPairCount || firstOutputPair + outputPairs > FastPairCount)
        {
            return Verdict.Fail(HvStatus.InvalidHypercallInput, usesXmm);
        }

        Span<byte> input = buffers.Input.AsSpan(0, inputPairs * FastPairSize);
        if (inputPairs > 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(input, io.InputValue);
            BinaryPrimitives.WriteUInt64LittleEndian(input[8..], io.OutputValue);
            for (int pair = 1; pair < inputPairs; pair++)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(input[(pair * FastPairSize)..], io.GetXmm(pair - 1));
            }
        }

        Span<byte> output = buffers.Output.AsSpan(0, outputPairs * FastPairSize);
        if (call.Layout.IsRep)
        {
            // A continued rep call resumes with the output registers of the reps already done; start from them so
            // a pair shared by a done and a new element keeps the done half.
            for (int pair = 0; pair < outputPairs; pair++)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(output[(pair * FastPairSize)..], io.GetXmm(firstOutputPair + pair - 1));
            }
        }
        else
        {
            output.Clear();
        }

        Verdict verdict = Invoke(in call, input[..call.InputSize], output[..call.OutputSize], usesXmm, out int writeStart, out int writeEnd);
        if (writeEnd > writeStart)
        {
            for (int pair = writeStart / FastPairSize; pair < PairsFor(writeEnd); pair++)
            {
                io.SetXmm(firstOutputPair + pair - 1, BinaryPrimitives.ReadUInt128LittleEndian(output[(pair * FastPairSize)..]));
            }
        }

        return verdict;
    }

    private Verdict Invoke(in Call call, ReadOnlySpan<byte> input, Span<byte> output, bool usesXmm, out int writeStart, out int writeEnd)
    {
        HypercallLayout layout = call.Layout;
        int repStart = call.Control.RepStartIndex;
        int repCount = call.Control.RepCount;
        int repEnd = !layout.IsRep ? 0
            : _maxRepsPerInvocation == 0 ? repCount
            : Math.Min(repCount, repStart + _maxRepsPerInvocation);

        HypercallOutcome outcome = call.Handler.Invoke(
            new HypercallRequest(call.Control, call.ProcessorIndex, layout, input, output, repEnd, usesXmm));

        if (!layout.IsRep)
        {
            if (outcome.IsContinuation || outcome.RepIndex != 0)
            {
                ThrowBadOutcome(call.Handler, outcome, repStart, repEnd);
            }

            // A simple call's output reaches the guest only on success (TLFS "Output Parameter Validity on Failed Hypercalls").
            writeStart = 0;
            writeEnd = outcome.Status == HvStatus.Success ? call.OutputSize : 0;
            return Verdict.Complete(outcome.Status, 0, usesXmm);
        }

        // Rep calls: reps before `done` are complete, and their output elements go to the guest in every case.
        int done;
        Verdict verdict;
        if (outcome.IsContinuation)
        {
            done = outcome.RepIndex;
            if (done <= repStart || done > repEnd || done >= repCount)
            {
                ThrowBadOutcome(call.Handler, outcome, repStart, repEnd);
            }

            verdict = Verdict.Continue(done, usesXmm);
        }
        else if (outcome.Status == HvStatus.Success)
        {
            done = repEnd;
            verdict = repEnd < repCount ? Verdict.Continue(repEnd, usesXmm) : Verdict.Complete(HvStatus.Success, repCount, usesXmm);
        }
        else
        {
            done = outcome.RepIndex;
            if (done < repStart || done >= repEnd)
            {
                ThrowBadOutcome(call.Handler, outcome, repStart, repEnd);
            }

            verdict = Verdict.Complete(outcome.Status, done, usesXmm);
        }

        writeStart = repStart * layout.RepOutputSize;
        writeEnd = done * layout.RepOutputSize;
        return verdict;
    }

    private HvStatus CheckBlock(ulong gpa, int size)
    {
        if (size == 0)
        {
            return HvStatus.Success; // no such block: its GPA is ignored (TLFS "Alignment Requirements")
        }

        if ((gpa & 7) != 0)
        {
            return HvStatus.InvalidAlignment;
        }

        if ((ulong)size > PageSize - (gpa & PageOffsetMask))
        {
            return HvStatus.InvalidAlignment;
        }

        return _memory.Contains(gpa, (ulong)size) ? HvStatus.Success : GpaNotRamStatus;
    }

    [DoesNotReturn]
    private static void ThrowBadOutcome(IHypercall handler, HypercallOutcome outcome, int repStart, int repEnd) =>
        throw new InvalidOperationException(
            $"{handler.GetType().Name} returned '{outcome}' for {HvCallCodeInfo.NameOf(handler.Layout.Code)} with reps [{repStart}, {repEnd}); "
            + "see HypercallOutcome for the rules.");

    /// <summary>One row of the dispatch table: a known code, whether the profile offers it, and its handler.</summary>
    private struct Entry
    {
        public Entry(HvCallCodeInfo info, bool isOffered)
        {
            Info = info;
            IsKnown = true;
            IsOffered = isOffered;
        }

        public HvCallCodeInfo Info { get; }

        public bool IsKnown { get; }

        public bool IsOffered { get; }

        public IHypercall? Handler { get; set; }

        public HypercallLayout Layout { get; set; }
    }

    /// <summary>A validated call on its way to the handler.</summary>
    private readonly struct Call(IHypercall handler, HypercallLayout layout, HypercallInput control, int processorIndex, int inputSize, int outputSize)
    {
        public IHypercall Handler { get; } = handler;

        public HypercallLayout Layout { get; } = layout;

        public HypercallInput Control { get; } = control;

        public int ProcessorIndex { get; } = processorIndex;

        public int InputSize { get; } = inputSize;

        public int OutputSize { get; } = outputSize;
    }

    /// <summary>How the call ends: Complete with status and reps, Continue at rep n, or #UD.</summary>
    private readonly struct Verdict
    {
        private Verdict(HypercallEnding ending, HvStatus status, int reps, bool usesXmm)
        {
            Ending = ending;
            Status = status;
            Reps = reps;
            UsesXmm = usesXmm;
        }

        public HypercallEnding Ending { get; }

        public HvStatus Status { get; }

        /// <summary>Reps completed, or the next rep start index of a continuation.</summary>
        public int Reps { get; }

        public bool UsesXmm { get; }

        public static Verdict InvalidOpcode(bool usesXmm) => new(HypercallEnding.InvalidOpcode, HvStatus.Success, 0, usesXmm);

        public static Verdict Fail(HvStatus status, bool usesXmm = false) => new(HypercallEnding.Completed, status, 0, usesXmm);

        public static Verdict Complete(HvStatus status, int reps, bool usesXmm) => new(HypercallEnding.Completed, status, reps, usesXmm);

        public static Verdict Continue(int nextRep, bool usesXmm) => new(HypercallEnding.Continued, HvStatus.Success, nextRep, usesXmm);
    }

    /// <summary>What <see cref="ReadCaller"/> found.</summary>
    private struct Caller
    {
        public HypercallCallerState State;
        public ulong ReturnAddress;
        public HypercallCallSite Code;
        public int CodeLength;
    }

    /// <summary>One vCPU's copies of the input and output blocks: a page each, enough for any memory-based call.</summary>
    private sealed class VpBuffers
    {
        public byte[] Input { get; } = new byte[PageSize];

        public byte[] Output { get; } = new byte[PageSize];
    }
}
