using Serilog;
using Serilog.Events;
using Vmm.Core.Devices;
using Vmm.Core.Diagnostics;
using Vmm.Core.Hypervisor;

namespace Vmm.Core.Vcpu;

/// <summary>
/// The exit handler every backend calls: port I/O and MMIO go to the device buses, MSRs to the MSR handler.
/// Never throws for guest behaviour; unclaimed accesses read as all ones and are logged at a limited rate.
/// </summary>
public sealed class ExitDispatcher : IVcpuExitHandler
{
    private readonly DeviceBus _ports;
    private readonly DeviceBus _mmio;
    private readonly ILogger _log;
    private readonly RateLimiter _unclaimedLimiter = new(burst: 20, TimeSpan.FromSeconds(1));

    /// <summary>Creates the dispatcher over the two buses.</summary>
    public ExitDispatcher(DeviceBus ports, DeviceBus mmio, ILogger log)
    {
        _ports = ports;
        _mmio = mmio;
        _log = log;
    }

    /// <summary>Where MSR exits go; null means every such MSR faults (#GP), as on hardware for unknown MSRs.</summary>
    public IMsrHandler? MsrHandler { get; set; }

    /// <summary>Where hypercalls go; null makes every hypercall raise #UD, as on a platform without a hypervisor.</summary>
    public IHypercallHandler? HypercallHandler { get; set; }

    /// <inheritdoc />
    public void PortRead(int processorIndex, ushort port, Span<byte> data)
    {
        if (!_ports.Read(port, data))
        {
            LogUnclaimed("IN", processorIndex, port, data.Length);
        }
    }

    /// <inheritdoc />
    public void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data)
    {
        if (!_ports.Write(port, data))
        {
            LogUnclaimed("OUT", processorIndex, port, data.Length);
        }
    }

    /// <inheritdoc />
    public void MmioRead(int processorIndex, ulong address, Span<byte> data)
    {
        if (!_mmio.Read(address, data))
        {
            LogUnclaimed("MMIO read", processorIndex, address, data.Length);
        }
    }

    /// <inheritdoc />
    public void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data)
    {
        if (!_mmio.Write(address, data))
        {
            LogUnclaimed("MMIO write", processorIndex, address, data.Length);
        }
    }

    /// <inheritdoc />
    public MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value)
    {
        if (MsrHandler is { } handler)
        {
            return handler.Read(processorIndex, index, out value);
        }

        value = 0;
        return MsrAccessResult.GeneralProtection;
    }

    /// <inheritdoc />
    public MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value) =>
        MsrHandler?.Write(processorIndex, index, value) ?? MsrAccessResult.GeneralProtection;

    /// <inheritdoc />
    public void Hypercall(IHypercallIo io)
    {
        if (HypercallHandler is { } handler)
        {
            handler.Hypercall(io);
        }
        else
        {
            io.InjectInvalidOpcode();
        }
    }

    private void LogUnclaimed(string kind, int processor, ulong address, int length)
    {
        if (_log.IsEnabled(LogEventLevel.Debug) && _unclaimedLimiter.TryAcquire())
        {
            _log.Debug("vCPU {Vcpu}: unclaimed {Kind} at 0x{Address:X} ({Length} bytes)", processor, kind, address, length);
        }
    }
}
