using System.Globalization;

namespace Vmm.Host.Tracing;

/// <summary>
/// Guest symbols from a Linux `System.map` or `/proc/kallsyms` text: one symbol a line, "ADDRESS TYPE NAME" with a
/// hex address and an optional "[module]" after the name (Linux scripts/kallsyms.c, Documentation/admin-guide/
/// sysctl/kernel.rst "kptr_restrict"). Resolves an address to the nearest symbol at or below it.
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _addresses;
    private readonly string[] _names;

    private SymbolTable(ulong[] addresses, string[] names)
    {
        _addresses = addresses;
        _names = names;
    }

    /// <summary>Symbols read.</summary>
    public int Count => _addresses.Length;

    /// <summary>
    /// Parses <paramref name="reader"/>. Lines that are not "hex type name" are skipped; so are absolute symbols
    /// (type a/A) and zero addresses (kallsyms shows zeros to readers without the right to see addresses).
    /// </summary>
    public static SymbolTable Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var symbols = new List<(ulong Address, string Name)>();
        while (reader.ReadLine() is { } line)
        {
            string[] parts = line.Split((char[]?)null, 4, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3
                || parts[1].Length != 1
                || parts[1] is "a" or "A"
                || !ulong.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong address)
                || address == 0)
            {
                continue;
            }

            string name = parts.Length == 4 ? $"{parts[2]} {parts[3].Trim()}" : parts[2];
            symbols.Add((address, name));
        }

        symbols.Sort((a, b) => a.Address.CompareTo(b.Address));
        return new SymbolTable([.. symbols.Select(s => s.Address)], [.. symbols.Select(s => s.Name)]);
    }

    /// <summary>Reads the symbol file at <paramref name="path"/>.</summary>
    public static SymbolTable Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>`name+0xoffset` for <paramref name="address"/>, or null below the first symbol.</summary>
    public string? Resolve(ulong address)
    {
        int index = Array.BinarySearch(_addresses, address);
        if (index < 0)
        {
            index = ~index - 1;
        }
        else
        {
            // Several symbols may share an address: take the last one listed there (sorting was stable by address).
            while (index + 1 < _addresses.Length && _addresses[index + 1] == address)
            {
                index++;
            }
        }

        if (index < 0)
        {
            return null;
        }

        ulong offset = address - _addresses[index];
        return offset == 0 ? _names[index] : $"{_names[index]}+0x{offset:x}";
    }
}
