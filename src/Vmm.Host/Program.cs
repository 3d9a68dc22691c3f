using Vmm.Host.Cli;

return VmmCommandLine.Run(args);
