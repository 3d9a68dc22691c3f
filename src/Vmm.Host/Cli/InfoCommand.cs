using System.CommandLine;
using Vmm.Core.Hypervisor;
using Vmm.Guests;

namespace Vmm.Host.Cli;

/// <summary>`vmm info`: the backend, its capabilities, host CPUs and the built-in guests.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var backend = new Option<string>("--backend")
        {
            Description = "Backend to describe: auto, kvm or whp",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|kvm|whp",
        };
        var command = new Command("info", """
            Show the hypervisor backend, what it supports, and the built-in guests.

            Examples:
              vmm info
              vmm info --backend kvm
            """);
        command.Add(backend);
        command.SetAction(result =>
        {
            Console.WriteLine($"host: {Environment.OSVersion}, {Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}");
            try
            {
                using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(backend) ?? "auto");
                HypervisorCapabilities caps = hypervisor.Capabilities;
                Console.WriteLine($"backend: {caps.Backend} ({caps.Version})");
                Console.WriteLine($"platform: {caps.Platform}");
                Console.WriteLine($"max vCPUs per VM: {caps.MaxProcessorCount}");
                foreach ((string name, bool available) in caps.Features)
                {
                    Console.WriteLine($"  {name,-16} {(available ? "yes" : "no")}");
                }
            }
            catch (HypervisorUnavailableException e)
            {
                Console.WriteLine($"backend: none usable ({e.Message})");
            }

            Console.WriteLine("built-in guests:");
            foreach (IBuiltInGuest g in BuiltInGuests.All)
            {
                Console.WriteLine($"  {g.Name,-8} {g.Description}");
                foreach ((string arg, string meaning) in g.Arguments)
                {
                    Console.WriteLine($"           --guest-arg {arg}=…  {meaning}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
