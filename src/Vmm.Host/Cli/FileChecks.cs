namespace Vmm.Host.Cli;

/// <summary>
/// Checks of the files a command line names, made before anything is read, written or opened: an input must be a
/// non-empty regular file of bounded size (a named pipe would block the open, /dev/zero would never end), an output
/// must be creatable (its directory exists and it is not a directory); outputs are opened before the hypervisor.
/// </summary>
/// <remarks>
/// .NET exposes no file type on Unix without native calls (FileSystemInfo gives permissions and the directory bit
/// only), and native calls live only in the backends. st_size is 0 for named pipes, sockets and character and
/// block devices (stat(2)), so "a non-empty file" refuses all of them without opening them. An empty regular file is
/// refused too: no kernel or initrd is empty.
/// </remarks>
internal static class FileChecks
{
    /// <summary>Why <paramref name="path"/> cannot be an input of at most <paramref name="maxBytes"/>, or null when it can.</summary>
    public static string? CheckInput(string path, string option, ulong maxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return $"{option} needs a file name, not an empty string";
        }

        try
        {
            if (Directory.Exists(path))
            {
                return $"{option} '{path}' is a directory, not a file";
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return $"{option} '{path}' does not exist";
            }

            if (info.Length == 0)
            {
                return $"{option} '{path}' is empty or not a regular file (a device, named pipe or socket): give a regular file";
            }

            if ((ulong)info.Length > maxBytes)
            {
                return $"{option} '{path}' is {SizeParser.Format((ulong)info.Length)}, more than the {SizeParser.Format(maxBytes)} it may be";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"{option} '{path}': {e.Message}";
        }

        return null;
    }

    /// <summary>
    /// Reads an input file <see cref="CheckInput"/> accepted, never more than <paramref name="maxBytes"/> (the file may
    /// have grown since, or be a special file that reports a size).
    /// </summary>
    public static byte[] ReadInput(string path, string option, ulong maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (!stream.CanSeek)
            {
                throw new UsageException($"{option} '{path}' is not a regular file");
            }

            using var copy = new MemoryStream();
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                if ((ulong)(copy.Length + read) > maxBytes)
                {
                    throw new UsageException($"{option} '{path}' is larger than the {SizeParser.Format(maxBytes)} it may be");
                }

                copy.Write(buffer, 0, read);
            }

            return copy.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {option} '{path}': {e.Message}", e);
        }
    }

    /// <summary>Why <paramref name="path"/> cannot be created or overwritten as an output, or null when it looks possible.</summary>
    public static string? CheckOutput(string path, string option)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return $"{option} needs a file name, not an empty string";
        }

        try
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                return $"{option} '{path}' is a directory, not a file";
            }

            string? directory = Path.GetDirectoryName(full);
            if (directory is not null && !Directory.Exists(directory))
            {
                return $"{option} '{path}': directory '{directory}' does not exist (vmm does not create directories)";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"{option} '{path}': {e.Message}";
        }

        return null;
    }

    /// <summary>Creates (or truncates) an output file that <see cref="CheckOutput"/> accepted.</summary>
    /// <exception cref="UsageException">It cannot be created, with the system's reason.</exception>
    public static FileStream OpenOutput(string path, string option)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"cannot write {option} file '{path}': {e.Message}", e);
        }
    }
}
