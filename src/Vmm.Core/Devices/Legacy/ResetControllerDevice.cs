namespace Vmm.Core.Devices.Legacy;

/// <summary>
/// The reset line of the PC keyboard controller (i8042) at port 0x64: writing the command 0xFE pulses the CPU
/// reset line, which ends the VM with a reset exit (vmm has no firmware to restart into).
/// </summary>
/// <remarks>
/// Linux's reboot path writes 0xFE to port 0x64 (arch/x86/kernel/reboot.c <c>native_machine_emergency_restart</c>,
/// BOOT_KBD), also after a panic with <c>panic=-1</c>. Before each write it waits, up to 65,536 reads of the
/// status with 2 µs delays in between (<c>kb_wait</c>), for the input-buffer-full bit (IBF, bit 1) to clear; the
/// i8042 driver, probing at boot, takes a status whose output-buffer-full bit (OBF, bit 0) never clears, while the
/// unclaimed data port 0x60 reads all ones, as "No controller found" (drivers/input/serio/i8042.c
/// <c>i8042_flush</c>; bit names in drivers/input/serio/i8042.h). So a read of the status answers every bit set
/// but IBF: the driver still finds no controller after 16 reads, and a reboot resets at its first write instead
/// of after 65,536 exits (each a VM exit to vmm, seconds to minutes of them on a nested host).
/// </remarks>
public sealed class ResetControllerDevice : IBusDevice
{
    /// <summary>The i8042 command/status port.</summary>
    public const ushort Port = 0x64;

    /// <summary>The i8042 command "pulse output line 0" (the CPU reset line).</summary>
    public const byte ResetCommand = 0xFE;

    /// <summary>What a read of the status returns: every bit but IBF (bit 1), see the remarks.</summary>
    public const byte Status = 0xFF & ~InputBufferFull;

    private const byte InputBufferFull = 0b0000_0010;

    private readonly Action _onReset;

    /// <summary>Creates the device; <paramref name="onReset"/> is called for each reset command.</summary>
    public ResetControllerDevice(Action onReset)
    {
        ArgumentNullException.ThrowIfNull(onReset);
        _onReset = onReset;
    }

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data) => data.Fill(Status);

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == 0 && data.Length == 1 && data[0] == ResetCommand)
        {
            _onReset();
        }
    }
}
