using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop;

internal static unsafe partial class Interop
{
    /// <summary>The few libc entry points the KVM backend needs. Errors come back through errno (SetLastError).</summary>
    internal static partial class Libc
    {
        internal const int O_RDWR = 0x2;
        internal const int O_CLOEXEC = 0x80000;

        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_SHARED = 0x01;
        internal const int MAP_PRIVATE = 0x02;
        internal const int MAP_ANONYMOUS = 0x20;
        internal const int MAP_NORESERVE = 0x4000;
        internal static readonly nint MAP_FAILED = -1;

        internal const int SIG_BLOCK = 0;
        internal const int SIG_UNBLOCK = 1;
        internal const int SIG_SETMASK = 2;
        internal static readonly nint SIG_DFL = 0;
        internal static readonly nint SIG_IGN = 1;

        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int ENOENT = 2;
        internal const int EACCES = 13;
        internal const int E2BIG = 7;

        [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);

        // ioctl is variadic in C; on x86-64 SysV an integer or pointer third argument is passed exactly as in
        // a non-variadic call, and glibc's wrapper is a plain syscall stub.
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int Ioctl(int fd, nuint request, nint argument);

        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int Ioctl(int fd, nuint request, void* argument);

        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

        [LibraryImport(Libraries.Libc, EntryPoint = "munmap", SetLastError = true)]
        internal static partial int Munmap(nint address, nuint length);

        [LibraryImport(Libraries.Libc, EntryPoint = "getpid")]
        internal static partial int GetPid();

        [LibraryImport(Libraries.Libc, EntryPoint = "gettid")]
        internal static partial int GetTid();

        [LibraryImport(Libraries.Libc, EntryPoint = "tgkill", SetLastError = true)]
        internal static partial int TgKill(int threadGroupId, int threadId, int signal);

        [LibraryImport(Libraries.Libc, EntryPoint = "pthread_sigmask")]
        internal static partial int PthreadSigmask(int how, GlibcSigset* set, GlibcSigset* oldSet);

        [LibraryImport(Libraries.Libc, EntryPoint = "sigtimedwait", SetLastError = true)]
        internal static partial int SigTimedWait(GlibcSigset* set, void* info, Timespec* timeout);

        [LibraryImport(Libraries.Libc, EntryPoint = "sigaction", SetLastError = true)]
        internal static partial int SigAction(int signal, GlibcSigaction* action, GlibcSigaction* oldAction);

        [LibraryImport(Libraries.Libc, EntryPoint = "__libc_current_sigrtmin")]
        internal static partial int CurrentSigRtMin();

        [LibraryImport(Libraries.Libc, EntryPoint = "strerror")]
        internal static partial nint StrError(int errno);

        /// <summary>The message for <paramref name="errno"/>, e.g. "No such file or directory".</summary>
        internal static string ErrorMessage(int errno) => Marshal.PtrToStringUTF8(StrError(errno)) ?? $"errno {errno}";
    }

    /// <summary>glibc's sigset_t: 1024 bits (the kernel uses the first 64).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    internal struct GlibcSigset
    {
        internal ulong Word0;

        internal void Add(int signal) => Word0 |= 1UL << (signal - 1);

        internal void Remove(int signal) => Word0 &= ~(1UL << (signal - 1));

        internal readonly bool Contains(int signal) => (Word0 & (1UL << (signal - 1))) != 0;
    }

    /// <summary>glibc's struct sigaction on x86-64 (152 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct GlibcSigaction
    {
        internal nint Handler;
        internal GlibcSigset Mask;
        internal int Flags;
        internal nint Restorer;
    }

    /// <summary>struct timespec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        internal long Seconds;
        internal long Nanoseconds;
    }
}
