namespace Vmm.Core.Hypervisor;

/// <summary>Services hypercalls the backend hands to userspace (the Hyper-V dispatcher, for one).</summary>
public interface IHypercallHandler
{
    /// <summary>Handles one call and ends it through <paramref name="io"/>; never throws for guest input.</summary>
    void Hypercall(IHypercallIo io);
}
