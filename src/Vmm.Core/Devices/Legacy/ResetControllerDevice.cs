namespace Vmm.Core.Devices.Legacy;

/// <summary>
/// The reset line of the PC keyboard controller (i8042) at port 0x64: writing the command 0xFE pulses the CPU
/// reset line, which ends the VM with a reset exit (vmm has no firmware to restart into).
/// </summary>
/// <remarks>
/// Linux's reboot path writes 0xFE to port 0x64 (arch/x86/kernel/reboot.c <c>native_machine_emergency_restart</c>,
/// BOOT_KBD), also after a panic with <c>panic=-1</c>. Only the write is claimed: reads return all ones as if
/// no controller were there, so the i8042 driver finds none ("i8042: No controller found") and the data port
/// 0x60 stays unclaimed too.
/// </remarks>
public sealed class ResetControllerDevice : IBusDevice
{
    /// <summary>The i8042 command/status port.</summary>
    public const ushort Port = 0x64;

    /// <summary>The i8042 command "pulse output line 0" (the CPU reset line).</summary>
    public const byte ResetCommand = 0xFE;

    private readonly Action _onReset;

    /// <summary>Creates the device; <paramref name="onReset"/> is called for each reset command.</summary>
    public ResetControllerDevice(Action onReset)
    {
        ArgumentNullException.ThrowIfNull(onReset);
        _onReset = onReset;
    }

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data) => data.Fill(0xFF);

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == 0 && data.Length == 1 && data[0] == ResetCommand)
        {
            _onReset();
        }
    }
}
