using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace ReplCache.Hosting.Transport;

/// <summary>A bound, listening TCP socket for a transport of the library's own, failing as Kestrel's own transport fails.</summary>
internal static class ListeningSocket
{
    public static Socket Open(EndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint is IPEndPoint { Address: var address } && address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex); // what Kestrel reports as "address already in use"
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
