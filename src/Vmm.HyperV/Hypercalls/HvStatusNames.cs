using System.Text;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>TLFS spellings of <see cref="HvStatus"/> values (<c>HV_STATUS_INVALID_HYPERCALL_INPUT</c>), for traces.</summary>
public static class HvStatusNames
{
    private static readonly string?[] s_names = Build();

    /// <summary>The TLFS name, or <c>HV_STATUS_0xNNNN</c> for a value <see cref="HvStatus"/> does not name.</summary>
    public static string TlfsName(HvStatus status)
    {
        ushort value = (ushort)status;
        return value < s_names.Length && s_names[value] is { } name ? name : $"HV_STATUS_0x{value:X4}";
    }

    // The enum members are the TLFS names in PascalCase (HvStatus remarks), so the TLFS spelling is mechanical:
    // InvalidHypercallInput → HV_STATUS_INVALID_HYPERCALL_INPUT, TimeOut → HV_STATUS_TIME_OUT.
    private static string?[] Build()
    {
        var names = new string?[256];
        foreach (HvStatus status in Enum.GetValues<HvStatus>())
        {
            string member = status.ToString();
            var text = new StringBuilder("HV_STATUS");
            for (int i = 0; i < member.Length; i++)
            {
                if (char.IsUpper(member[i]))
                {
                    text.Append('_');
                }

                text.Append(char.ToUpperInvariant(member[i]));
            }

            names[(ushort)status] = text.ToString();
        }

        return names;
    }
}
