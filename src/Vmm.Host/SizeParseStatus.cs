namespace Vmm.Host;

/// <summary>What <see cref="SizeParser.Parse"/> made of a size.</summary>
public enum SizeParseStatus
{
    /// <summary>A size.</summary>
    Ok,

    /// <summary>Not a number with an optional unit.</summary>
    NotASize,

    /// <summary>A well-formed size of 2^64 bytes or more.</summary>
    TooLarge,
}
