using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests.Exits;

/// <summary>Registers in a dictionary; every write is recorded in order. GVA = GPA.</summary>
internal sealed class FakeRegisterAccess : IWhpRegisterAccess
{
    public Dictionary<WHV_REGISTER_NAME, WHV_REGISTER_VALUE> Values { get; } = [];

    public List<(WHV_REGISTER_NAME Name, WHV_REGISTER_VALUE Value)> Writes { get; } = [];

    public int SetCalls { get; private set; }

    public void GetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, Span<WHV_REGISTER_VALUE> values)
    {
        for (int i = 0; i < names.Length; i++)
        {
            values[i] = Values.GetValueOrDefault(names[i]);
        }
    }

    public void SetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, ReadOnlySpan<WHV_REGISTER_VALUE> values)
    {
        SetCalls++;
        for (int i = 0; i < names.Length; i++)
        {
            Values[names[i]] = values[i];
            Writes.Add((names[i], values[i]));
        }
    }

    public bool TryTranslateGva(ulong gva, bool write, out ulong gpa)
    {
        gpa = gva;
        return true;
    }

    public bool Wrote(WHV_REGISTER_NAME name) => Writes.Exists(w => w.Name == name);
}
