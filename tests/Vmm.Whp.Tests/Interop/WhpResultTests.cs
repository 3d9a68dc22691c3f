using Vmm.Core.Hypervisor;
using Xunit;

namespace Vmm.Whp.Tests.Interop;

public sealed class WhpResultTests
{
    // Values from winerror.h (docs/whp.md#functions for WHV_E_*), written as literals here so a typo in the
    // constants cannot hide behind the same constant on both sides.
    public static TheoryData<uint, string> KnownCodes => new()
    {
        { 0x80370300, "WHV_E_UNKNOWN_CAPABILITY" },
        { 0x80370301, "WHV_E_INSUFFICIENT_BUFFER" },
        { 0x80370302, "WHV_E_UNKNOWN_PROPERTY" },
        { 0x80370303, "WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG" },
        { 0x80370304, "WHV_E_INVALID_PARTITION_CONFIG" },
        { 0x80370305, "WHV_E_GPA_RANGE_NOT_FOUND" },
        { 0x80370306, "WHV_E_VP_ALREADY_EXISTS" },
        { 0x80370307, "WHV_E_VP_DOES_NOT_EXIST" },
        { 0x80370308, "WHV_E_INVALID_VP_STATE" },
        { 0x80370309, "WHV_E_INVALID_VP_REGISTER_NAME" },
        { 0x80370310, "WHV_E_UNSUPPORTED_PROCESSOR_CONFIG" },
        { 0x80004001, "E_NOTIMPL" },
        { 0x80004003, "E_POINTER" },
        { 0x80004005, "E_FAIL" },
        { 0x8000FFFF, "E_UNEXPECTED" },
        { 0x80070005, "E_ACCESSDENIED" },
        { 0x80070006, "E_HANDLE" },
        { 0x8007000E, "E_OUTOFMEMORY" },
        { 0x80070057, "E_INVALIDARG" },
        { 0x80070032, "HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)" },
        { 0xC0350005, "ERROR_HV_INVALID_PARAMETER" },
        { 0xC0350006, "ERROR_HV_ACCESS_DENIED" },
        { 0xC0350007, "ERROR_HV_INVALID_PARTITION_STATE" },
        { 0xC0350008, "ERROR_HV_OPERATION_DENIED" },
        { 0xC035000B, "ERROR_HV_INSUFFICIENT_MEMORY" },
        { 0xC035000E, "ERROR_HV_INVALID_VP_INDEX" },
        { 0xC0350015, "ERROR_HV_INVALID_VP_STATE" },
        { 0xC035001E, "ERROR_HV_FEATURE_UNAVAILABLE" },
        { 0xC0350050, "ERROR_HV_INVALID_REGISTER_VALUE" },
        { 0xC0351000, "ERROR_HV_NOT_PRESENT" },
        { 0xC0370008, "ERROR_VID_PARTITION_ALREADY_EXISTS" },
    };

    [Theory]
    [MemberData(nameof(KnownCodes))]
    public void Known_codes_have_their_winerror_names(uint hr, string name)
    {
        Assert.Equal(name, WhpResult.GetName(unchecked((int)hr)));
    }

    [Theory]
    [MemberData(nameof(KnownCodes))]
    public void Known_codes_are_described_by_name_hex_and_meaning(uint hr, string name)
    {
        string description = WhpResult.Describe(unchecked((int)hr));

        Assert.StartsWith($"{name} (0x{hr:X8}): ", description, StringComparison.Ordinal);
        Assert.True(description.Length > name.Length + 16, description);
    }

    [Fact]
    public void Named_constants_hold_the_winerror_values()
    {
        Assert.Equal(unchecked((int)0x80370300), WhpResult.WHV_E_UNKNOWN_CAPABILITY);
        Assert.Equal(unchecked((int)0x80370304), WhpResult.WHV_E_INVALID_PARTITION_CONFIG);
        Assert.Equal(unchecked((int)0x80370309), WhpResult.WHV_E_INVALID_VP_REGISTER_NAME);
        Assert.Equal(unchecked((int)0x80370310), WhpResult.WHV_E_UNSUPPORTED_PROCESSOR_CONFIG);
        Assert.Equal(unchecked((int)0x80070057), WhpResult.E_INVALIDARG);
        Assert.Equal(unchecked((int)0x80070005), WhpResult.E_ACCESSDENIED);
        Assert.Equal(unchecked((int)0x8007000E), WhpResult.E_OUTOFMEMORY);
    }

    [Theory]
    [InlineData(0x8007001Fu, "HRESULT 0x8007001F (Win32 error 31)")]
    [InlineData(0xC0350033u, "HRESULT 0xC0350033 (hypervisor status 0x0033)")]
    [InlineData(0x80370399u, "HRESULT 0x80370399")]
    [InlineData(0x00000001u, "HRESULT 0x00000001")]
    public void Unknown_codes_show_hex_and_what_the_facility_reveals(uint hr, string expected)
    {
        Assert.Null(WhpResult.GetName(unchecked((int)hr)));
        Assert.Equal(expected, WhpResult.Describe(unchecked((int)hr)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public void Success_codes_do_not_throw(int hr)
    {
        Assert.True(WhpResult.Succeeded(hr));
        WhpResult.ThrowIfFailed(hr, "WHvSetupPartition");
    }

    [Fact]
    public void Failure_throws_HypervisorException_with_operation_and_hresult()
    {
        var exception = Assert.Throws<HypervisorException>(
            () => WhpResult.ThrowIfFailed(WhpResult.WHV_E_VP_DOES_NOT_EXIST, "WHvRunVirtualProcessor"));

        Assert.Equal("WHvRunVirtualProcessor", exception.Operation);
        Assert.Equal(unchecked((int)0x80370307), exception.ErrorCode);
        Assert.Equal(
            "WHvRunVirtualProcessor failed: WHV_E_VP_DOES_NOT_EXIST (0x80370307): no virtual processor has this index.",
            exception.Message);
    }

    [Fact]
    public void Unknown_failure_still_names_the_operation()
    {
        var exception = WhpResult.CreateException(unchecked((int)0x8007001F), "WHvMapGpaRange");

        Assert.Equal("WHvMapGpaRange failed: HRESULT 0x8007001F (Win32 error 31).", exception.Message);
        Assert.Equal("WHvMapGpaRange", exception.Operation);
    }

    [Fact]
    public void Every_constant_of_the_class_has_a_name()
    {
        // A constant added without a table entry would be described as a bare hex number.
        var constants = typeof(WhpResult)
            .GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int) && !f.Name.StartsWith("Facility", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(32, constants.Count);
        Assert.All(constants, field => Assert.Equal(field.Name == "E_NOT_SUPPORTED" ? "HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)" : field.Name,
            WhpResult.GetName((int)field.GetRawConstantValue()!)));
    }
}
