namespace Vmm.Host.Cli;

/// <summary>The files and streams `vmm run` writes, opened before the hypervisor and closed after the VM.</summary>
internal sealed class RunOutputs : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>Creates <paramref name="path"/> (null: nothing to open), or adds why it cannot be to <paramref name="errors"/>.</summary>
    public FileStream? Open(string? path, string option, List<string> errors)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return Keep(FileChecks.OpenOutput(path, option));
        }
        catch (UsageException e)
        {
            errors.Add(e.Message);
            return null;
        }
    }

    /// <summary>Closes <paramref name="item"/> with the others.</summary>
    public T Keep<T>(T item)
        where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    public void Dispose()
    {
        // Reverse order: a writer is closed before the stream under it.
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
