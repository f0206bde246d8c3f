using System.Runtime.InteropServices;
using ReplCache.Server.Config;

namespace ReplCache.Server;

/// <summary>replcache-server: <c>replcache-server [file] [--name args...]</c>, as redis-server.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ServerConfig config;
        ReplicatedCacheOptions options;
        try
        {
            CommandLine commandLine = CommandLine.Parse(args);
            switch (commandLine.Action)
            {
                case CommandLineAction.Version:
                    Console.WriteLine($"replcache-server v={ServerHost.Version} runtime=\"{RuntimeInformation.FrameworkDescription}\" bits={IntPtr.Size * 8}");
                    return 0;
                case CommandLineAction.Help:
                    Console.WriteLine(HelpText.Usage);
                    return 0;
            }

            config = ServerConfigLoader.Load(commandLine);
            options = NodeOptionsMapping.ToOptions(config);
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteAsync(ex.ToReport()).ConfigureAwait(false);
            return 1;
        }

        return await ServerHost.RunAsync(config, options, Console.Out, Console.Error).ConfigureAwait(false);
    }
}
