using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Vmm.Core.Vcpu;

/// <summary>
/// A fixed set of indices 0..4095 (64 words of 64 bits, 512 bytes), with no heap storage: the shape of an HV_VP_SET
/// (64 sparse banks of 64 VPs, docs/hyperv.md#vp-sets) and of the target vCPUs of a TLB-flush request.
/// </summary>
/// <remarks>
/// Word w bit i is index 64·w + i, which is also HV_VP_SET bank w bit i. Pass it by <c>in</c> / <c>ref</c>: it is
/// 512 bytes. Enumerate with <c>foreach</c>; the enumerator walks only the set bits and allocates nothing.
/// </remarks>
public struct VpBitmap
{
    /// <summary>Indices the bitmap can hold: 4096 (64 banks × 64, HV_MAX_SPARSE_VCPU_BANKS × HV_VCPUS_PER_SPARSE_BANK).</summary>
    public const int Capacity = WordCount * 64;

    /// <summary>64-bit words (= HV_VP_SET banks).</summary>
    public const int WordCount = 64;

    private Words _words;

    /// <summary>The 64 words, bank 0 first.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<ulong> AsWords => _words;

    /// <summary>True when no index is in the set.</summary>
    public readonly bool IsEmpty
    {
        get
        {
            foreach (ulong word in (ReadOnlySpan<ulong>)_words)
            {
                if (word != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Number of indices in the set.</summary>
    public readonly int Count
    {
        get
        {
            int count = 0;
            foreach (ulong word in (ReadOnlySpan<ulong>)_words)
            {
                count += BitOperations.PopCount(word);
            }

            return count;
        }
    }

    /// <summary>True when <paramref name="index"/> is in the set; false for any index outside 0..4095.</summary>
    public readonly bool Contains(int index) =>
        (uint)index < Capacity && (_words[index >> 6] & (1UL << (index & 63))) != 0;

    /// <summary>Adds <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0..4095.</exception>
    public void Add(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity);
        _words[index >> 6] |= 1UL << (index & 63);
    }

    /// <summary>Word (bank) <paramref name="word"/>: indices 64·word … 64·word + 63.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="word"/> is outside 0..63.</exception>
    public readonly ulong GetWord(int word) => _words[word];

    /// <summary>Replaces word (bank) <paramref name="word"/>.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="word"/> is outside 0..63.</exception>
    public void SetWord(int word, ulong bits) => _words[word] = bits;

    /// <summary>Removes every index.</summary>
    public void Clear() => ((Span<ulong>)_words).Clear();

    /// <summary>Enumerates the indices in ascending order without allocating.</summary>
    [UnscopedRef]
    public readonly Enumerator GetEnumerator() => new(_words);

    /// <summary>Walks the set bits of the words, lowest index first.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<ulong> _words;
        private int _word;
        private ulong _remaining;

        internal Enumerator(ReadOnlySpan<ulong> words)
        {
            _words = words;
            _word = -1;
            _remaining = 0;
            Current = -1;
        }

        /// <summary>The current index.</summary>
        public int Current { get; private set; }

        /// <summary>Moves to the next index in the set.</summary>
        public bool MoveNext()
        {
            while (_remaining == 0)
            {
                if (++_word >= _words.Length)
                {
                    return false;
                }

                _remaining = _words[_word];
            }

            int bit = BitOperations.TrailingZeroCount(_remaining);
            _remaining &= _remaining - 1;
            Current = (_word << 6) | bit;
            return true;
        }
    }

    [InlineArray(WordCount)]
    private struct Words
    {
        private ulong _element0;
    }
}
