using System.Runtime.InteropServices;
using Vmm.Core.Hypervisor;
using Vmm.Kvm.Interop;

namespace Vmm.Kvm;

/// <summary>An owned KVM file descriptor (/dev/kvm, a VM or a vCPU), closed exactly once.</summary>
internal sealed class KvmFileDescriptor : SafeHandle
{
    public KvmFileDescriptor(int fd)
        : base(-1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The raw fd; valid while this object is alive.</summary>
    public int Fd => (int)handle;

    /// <summary>Builds the exception for a failed call, with errno's name and message.</summary>
    public static HypervisorException Error(string operation, int errno) =>
        new($"{operation} failed: {Interop.Interop.Libc.ErrorMessage(errno)} (errno {errno})", operation, errno);

    /// <summary>Checks an ioctl result, throwing <see cref="HypervisorException"/> on failure.</summary>
    public static int Check(int result, string operation)
    {
        if (result < 0)
        {
            throw Error(operation, Marshal.GetLastPInvokeError());
        }

        return result;
    }

    protected override bool ReleaseHandle() => Interop.Interop.Libc.Close((int)handle) == 0;
}
