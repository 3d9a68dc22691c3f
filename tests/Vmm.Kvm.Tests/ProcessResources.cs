namespace Vmm.Kvm.Tests;

/// <summary>Counts this process's KVM file descriptors and vCPU threads from /proc, for leak tests.</summary>
internal static class ProcessResources
{
    public static int KvmFileDescriptors()
    {
        int count = 0;
        foreach (string fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            string? target = new FileInfo(fd).LinkTarget;
            if (target is not null && (target == "/dev/kvm" || target.StartsWith("anon_inode:kvm", StringComparison.Ordinal)))
            {
                count++;
            }
        }

        return count;
    }

    public static int VcpuThreads()
    {
        int count = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("vcpu-", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return count;
    }
}
