using System.CommandLine;
using Spectre.Console;
using Vmm.Core.Hypervisor;
using Vmm.Guests;

namespace Vmm.Host.Cli;

/// <summary>`vmm info`: the backend, its capabilities, host CPUs and the built-in guests, as tables.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> backend = RunOptions.BackendOption();
        var command = new Command("info", """
            Show the hypervisor backend, what it supports, and the built-in guests.

            Examples:
              vmm info
              vmm info --backend kvm
            """);
        command.Add(backend);
        command.SetAction(result =>
        {
            IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
            context.Out.WriteLine($"host: {Environment.OSVersion}, {Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}");
            try
            {
                using IHypervisor hypervisor = context.OpenHypervisor(result.GetValue(backend) ?? "auto");
                HypervisorCapabilities caps = hypervisor.Capabilities;
                context.Out.WriteLine($"backend: {caps.Backend} ({caps.Version.TrimEnd('.')}), at most {caps.MaxProcessorCount} vCPUs per VM");
                context.Out.WriteLine($"platform: {caps.Platform}");
                var features = new Table().AddColumn("capability").AddColumn("available");
                foreach ((string name, bool available) in caps.Features)
                {
                    features.AddRow(Markup.Escape(name), available ? "yes" : "no");
                }

                console.Write(features);
            }
            catch (HypervisorUnavailableException e)
            {
                context.Out.WriteLine($"backend: none usable: {e.Message.TrimEnd('.')}");
            }

            var guests = new Table().AddColumn("guest").AddColumn("what it does").AddColumn("--guest-arg");
            foreach (IBuiltInGuest g in BuiltInGuests.All)
            {
                string arguments = string.Join("\n", g.Arguments.Select(a => $"{a.Key}: {a.Value.TrimEnd('.')}"));
                guests.AddRow(Markup.Escape(g.Name), Markup.Escape(g.Description.TrimEnd('.')), Markup.Escape(arguments));
            }

            console.Write(guests);
            return ExitCodes.Success;
        });
        return command;
    }
}
