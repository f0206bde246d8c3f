using System.Net;
using System.Net.Sockets;

namespace ReplCache.Tests.Infrastructure;

/// <summary>Ports for processes that must be told theirs in advance (a config file, a Sentinel that knows nodes by address).</summary>
internal static class LocalPorts
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
