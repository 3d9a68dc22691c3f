namespace Vmm.Core.Boot.Elf;

/// <summary>
/// A kernel file that cannot be loaded: not a file vmm understands, malformed, or does not fit the guest.
/// The message says what is wrong and where (which header, which segment, which address).
/// </summary>
/// <remarks>
/// Derives from <see cref="ArgumentException"/> because <see cref="IGuestLoader.Load"/> reports an
/// unusable guest that way: the kernel is an argument the user passed.
/// </remarks>
public sealed class KernelLoadException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public KernelLoadException()
    {
    }

    /// <summary>Creates the exception with the message shown to the user.</summary>
    public KernelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public KernelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
