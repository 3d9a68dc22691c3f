using System.Buffers.Binary;
using System.Globalization;
using Vmm.Core.Hypervisor;

namespace Vmm.Whp.Tests.Exits;

/// <summary>
/// Records every handler call as text and answers from fixed values. Shared by both backends' exit tests: the KVM
/// tests link this file and <see cref="BackendExitCases"/>, so both backends are held to the same rows.
/// </summary>
internal sealed class RecordingHandler : IVcpuExitHandler
{
    public List<string> Calls { get; } = [];

    public ulong ReadValue { get; init; }

    public bool Fault { get; init; }

    public HypercallAnswer Answer { get; init; }

    public Queue<byte> PortBytes { get; } = new();

    public void PortRead(int processorIndex, ushort port, Span<byte> data)
    {
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"PortRead(0x{port:X}, {data.Length})"));
        if (PortBytes.Count > 0)
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = PortBytes.Dequeue();
            }

            return;
        }

        Fill(data);
    }

    public void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data) =>
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"PortWrite(0x{port:X}, {Convert.ToHexString(data.ToArray()).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + " " + b)})"));

    public void MmioRead(int processorIndex, ulong address, Span<byte> data)
    {
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"MmioRead(0x{address:X}, {data.Length})"));
        Fill(data);
    }

    public void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data) =>
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"MmioWrite(0x{address:X}, {string.Join(' ', data.ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))})"));

    public MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value)
    {
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"MsrRead(0x{index:X})"));
        value = Fault ? 0 : ReadValue;
        return Fault ? MsrAccessResult.GeneralProtection : MsrAccessResult.Ok;
    }

    public MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value)
    {
        Calls.Add(string.Create(CultureInfo.InvariantCulture, $"MsrWrite(0x{index:X}, 0x{value:X16})"));
        return Fault ? MsrAccessResult.GeneralProtection : MsrAccessResult.Ok;
    }

    public void Hypercall(IHypercallIo io)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"Hypercall(vp {io.ProcessorIndex}, control 0x{io.Control:X}, in 0x{io.InputValue:X}, out 0x{io.OutputValue:X}, cpl {io.Cpl}, pm {io.IsProtectedMode}, lm {io.IsLongMode})");
        if (io.GetXmm(0) != 0 || io.GetXmm(5) != 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" xmm0=0x{io.GetXmm(0):X} xmm5=0x{io.GetXmm(5):X}");
        }

        Calls.Add(text);
        switch (Answer)
        {
            case HypercallAnswer.Complete:
                io.Complete(ReadValue);
                break;
            case HypercallAnswer.Continue:
                io.Continue(ReadValue);
                break;
            default:
                io.InjectInvalidOpcode();
                break;
        }
    }

    private void Fill(Span<byte> data)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(all, ReadValue);
        all[..data.Length].CopyTo(data);
    }
}
