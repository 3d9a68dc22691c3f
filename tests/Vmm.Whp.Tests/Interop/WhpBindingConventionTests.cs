using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Xunit;

namespace Vmm.Whp.Tests.Interop;

/// <summary>Conventions every WinHvPlatform import must follow (docs/design.md#interop), checked by reflection.</summary>
public sealed class WhpBindingConventionTests
{
    private static readonly string[] s_requiredImports =
    [
        "WHvGetCapability",
        "WHvCreatePartition",
        "WHvSetupPartition",
        "WHvDeletePartition",
        "WHvGetPartitionProperty",
        "WHvSetPartitionProperty",
        "WHvMapGpaRange",
        "WHvUnmapGpaRange",
        "WHvTranslateGva",
        "WHvCreateVirtualProcessor",
        "WHvDeleteVirtualProcessor",
        "WHvRunVirtualProcessor",
        "WHvCancelRunVirtualProcessor",
        "WHvGetVirtualProcessorRegisters",
        "WHvSetVirtualProcessorRegisters",
        "WHvRequestInterrupt",
    ];

    [Fact]
    public void Every_required_function_is_imported_from_WinHvPlatform()
    {
        var imports = Imports().ToDictionary(m => m.Name);
        foreach (string name in s_requiredImports)
        {
            Assert.True(imports.ContainsKey(name), $"{name} is not imported");
            Assert.Equal("WinHvPlatform.dll", imports[name].GetCustomAttribute<LibraryImportAttribute>()!.LibraryName);
        }
    }

    [Fact]
    public void Every_import_returns_the_HRESULT_as_int_and_is_windows_only()
    {
        foreach (MethodInfo import in Imports())
        {
            Assert.True(import.ReturnType == typeof(int), $"{import.Name} must return the HRESULT as int");
            string? platform = import.GetCustomAttribute<SupportedOSPlatformAttribute>()?.PlatformName;
            Assert.True(platform == "windows", $"{import.Name} must be marked [SupportedOSPlatform(\"windows\")]");
        }
    }

    [Fact]
    public void Partition_handle_and_optional_exports_are_windows_only()
    {
        Assert.Equal("windows", typeof(SafeWhvPartitionHandle).GetCustomAttribute<SupportedOSPlatformAttribute>()?.PlatformName);
        Assert.Equal("windows", typeof(WhpOptionalApis).GetCustomAttribute<SupportedOSPlatformAttribute>()?.PlatformName);
    }

    [Fact]
    public void Runtime_marshalling_is_disabled_for_the_binding_assembly()
    {
        Assert.NotNull(typeof(Vmm.Whp.Interop).Assembly.GetCustomAttribute<System.Runtime.CompilerServices.DisableRuntimeMarshallingAttribute>());
    }

    private static IEnumerable<MethodInfo> Imports() =>
        typeof(Vmm.Whp.Interop.WinHvPlatform)
            .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null);
}
