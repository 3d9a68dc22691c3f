using System.Runtime.InteropServices;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// One virtual processor's native name and value arrays for WHvGet/SetVirtualProcessorRegisters,
/// allocated once and reused for every call.
/// </summary>
/// <remarks>
/// Both arrays are 16-byte aligned: WHV_REGISTER_VALUE is <c>DECLSPEC_ALIGN(16)</c> in the header
/// (WinHvPlatformDefs.h line 845) and WinHvPlatform.dll may use aligned SSE loads on it, while managed
/// arrays and stackalloc only guarantee 8. Not thread-safe: owned by the VP's thread, like the VP's
/// registers. Dispose frees the memory; spans and pointers obtained earlier must not be used afterwards.
/// </remarks>
internal sealed unsafe class WhpRegisterBuffer : IDisposable
{
    /// <summary>Alignment of both arrays, in bytes.</summary>
    internal const int Alignment = 16;

    /// <summary>Enough for the standard and special register sets together, with room to spare.</summary>
    internal const int DefaultCapacity = 64;

    private WHV_REGISTER_NAME* _names;
    private WHV_REGISTER_VALUE* _values;

    /// <summary>Allocates zeroed arrays of <paramref name="capacity"/> names and values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    internal WhpRegisterBuffer(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;

        // SAFETY: AlignedAlloc returns fresh, exclusively owned blocks of exactly capacity elements (or throws
        // OutOfMemoryException), aligned to 16; they are zeroed before anyone can read them and freed once,
        // in Free. sizeof(WHV_REGISTER_VALUE) is 16 (header C_ASSERT, line 1385), so every element of the
        // value array is 16-byte aligned too.
        nuint namesSize = (nuint)capacity * (nuint)sizeof(WHV_REGISTER_NAME);
        nuint valuesSize = (nuint)capacity * (nuint)sizeof(WHV_REGISTER_VALUE);
        _names = (WHV_REGISTER_NAME*)NativeMemory.AlignedAlloc(namesSize, Alignment);
        try
        {
            _values = (WHV_REGISTER_VALUE*)NativeMemory.AlignedAlloc(valuesSize, Alignment);
        }
        catch
        {
            NativeMemory.AlignedFree(_names);
            _names = null;
            throw;
        }

        NativeMemory.Clear(_names, namesSize);
        NativeMemory.Clear(_values, valuesSize);
    }

    /// <summary>Frees the arrays if <see cref="Dispose"/> was never called.</summary>
    ~WhpRegisterBuffer() => Free();

    /// <summary>Number of names and of values the arrays hold.</summary>
    internal int Capacity { get; }

    /// <summary>The name array, <see cref="Capacity"/> elements.</summary>
    internal Span<WHV_REGISTER_NAME> Names
    {
        get
        {
            ObjectDisposedException.ThrowIf(_names == null, this);

            // SAFETY: _names points at Capacity live elements until Dispose; the span must not outlive it.
            return new Span<WHV_REGISTER_NAME>(_names, Capacity);
        }
    }

    /// <summary>The value array, <see cref="Capacity"/> elements, 16-byte aligned.</summary>
    internal Span<WHV_REGISTER_VALUE> Values
    {
        get
        {
            ObjectDisposedException.ThrowIf(_values == null, this);

            // SAFETY: as for Names.
            return new Span<WHV_REGISTER_VALUE>(_values, Capacity);
        }
    }

    /// <summary>The name array for the native call.</summary>
    internal WHV_REGISTER_NAME* NamesPointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_names == null, this);
            return _names;
        }
    }

    /// <summary>The 16-byte-aligned value array for the native call.</summary>
    internal WHV_REGISTER_VALUE* ValuesPointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_values == null, this);
            return _values;
        }
    }

    /// <summary>
    /// Copies <paramref name="names"/> to the front of the name array and zeroes as many values, so a
    /// following set never sends stale upper bytes.
    /// </summary>
    /// <returns>The number of names loaded, to pass as the register count.</returns>
    /// <exception cref="ArgumentException">More names than <see cref="Capacity"/>.</exception>
    internal int Load(ReadOnlySpan<WHV_REGISTER_NAME> names)
    {
        if (names.Length > Capacity)
        {
            throw new ArgumentException(
                $"{names.Length} register names do not fit a buffer of {Capacity}.", nameof(names));
        }

        names.CopyTo(Names);
        Values[..names.Length].Clear();
        return names.Length;
    }

    /// <summary>Frees the arrays.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        // SAFETY: both pointers came from AlignedAlloc (or are null, which AlignedFree accepts) and are
        // nulled here so a second Dispose, or the finalizer after Dispose, frees nothing twice.
        NativeMemory.AlignedFree(_names);
        NativeMemory.AlignedFree(_values);
        _names = null;
        _values = null;
    }
}
