using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ReplCache.Hosting;

/// <summary>Binds a host and port from the options to Kestrel, for both the replication listener and the RESP endpoint.</summary>
internal static class KestrelBinding
{
    /// <summary>Splits <c>host:port</c> (RespListen's form; IPv6 in brackets or bare).</summary>
    public static (string Host, int Port) ParseHostAndPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return (text[..colon].Trim('[', ']'), int.Parse(text.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True when the two name the same socket, so that one port must serve both protocols: same port (0 included:
    /// "a free port" twice means one free port) and the same host, any-address spellings and localhost aliases alike.
    /// </summary>
    public static bool SameEndpoint(string hostA, int portA, string hostB, int portB) =>
        portA == portB && string.Equals(Canonical(hostA), Canonical(hostB), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Kestrel with its socket transport, the connections' pipes scheduling their continuations inline: the bytes a
    /// receive brought are parsed on the thread that received them, and a flushed reply is sent by the thread that
    /// flushed it, instead of each being handed to another pool thread.
    /// </summary>
    /// <remarks>
    /// Those two hand-offs cost a thread switch each per batch: without them redis-benchmark -P 16 took 13-18 % less
    /// time (measured in the note of this change; without -P no difference stood out of the noise). "Unsafe" in the
    /// option's name is about code that blocks the thread it runs on: RESP commands never block (a WAIT, a paused
    /// write, a FAILOVER await), Kestrel's HTTP/2 still runs each gRPC call on a pool thread of its own, and socket
    /// completions already run on pool threads on Linux (see <see cref="Transport.OwnedThreadTransportFactory"/>), so
    /// no code moves onto a thread that was not the pool's.
    /// </remarks>
    public static void UseKestrelWithInlineSockets(IWebHostBuilder host)
    {
        host.UseKestrelCore();
        host.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
    }

    public static void Bind(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure, string setting)
    {
        host = host.Trim('[', ']');
        if (host is "*" or "+" or "0.0.0.0" or "")
        {
            kestrel.ListenAnyIP(port, configure);
        }
        else if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            kestrel.Listen(ip, port, configure);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                // Kestrel cannot bind "localhost" to a dynamic port (it would need two sockets); loopback v4 it is.
                kestrel.Listen(IPAddress.Loopback, 0, configure);
            }
            else
            {
                kestrel.ListenLocalhost(port, configure);
            }
        }
        else
        {
            throw new InvalidOperationException($"ReplicatedCacheOptions.{setting} must name an IP address, localhost or *, not the host name '{host}'.");
        }
    }

    private static string Canonical(string host)
    {
        host = host.Trim('[', ']');
        return host switch
        {
            "*" or "+" or "0.0.0.0" or "" => "*",
            "localhost" or "127.0.0.1" => "localhost",
            _ => host,
        };
    }
}
