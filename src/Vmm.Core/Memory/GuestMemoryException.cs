namespace Vmm.Core.Memory;

/// <summary>Thrown when the VMM itself (never the guest) accesses guest memory outside RAM.</summary>
public sealed class GuestMemoryException : Exception
{
    /// <summary>Creates the exception for an access of <paramref name="length"/> bytes at <paramref name="address"/>.</summary>
    public GuestMemoryException(ulong address, ulong length)
        : base($"Guest memory access of {length} bytes at GPA 0x{address:X} is outside guest RAM.")
    {
        Address = address;
        Length = length;
    }

    /// <summary>Creates the exception with a message.</summary>
    public GuestMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public GuestMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GuestMemoryException()
    {
    }

    /// <summary>The guest-physical address of the access.</summary>
    public ulong Address { get; }

    /// <summary>The length of the access in bytes.</summary>
    public ulong Length { get; }
}
