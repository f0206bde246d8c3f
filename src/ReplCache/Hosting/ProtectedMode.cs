using System.Net;
using Microsoft.Extensions.Logging;

namespace ReplCache.Hosting;

/// <summary>
/// Redis's <c>protected-mode</c>: a node without a password that listens beyond the loopback interface warns at
/// start, and its Redis-protocol endpoint answers clients from other hosts with Redis's own <c>-DENIED</c> error
/// and closes, so an instance exposed by mistake explains itself instead of serving anyone who finds it.
/// </summary>
internal static partial class ProtectedMode
{
    /// <summary>Redis 7's reply, word for word (<c>clientAcceptHandler</c> in networking.c).</summary>
    public static ReadOnlySpan<byte> DeniedReply =>
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"u8;

    /// <summary>Whether protected mode applies at all: it is on and no password is set.</summary>
    public static bool IsActive(ReplicatedCacheOptions options) => options.ProtectedMode && options.AuthToken is null;

    /// <summary>
    /// True when a RESP client at <paramref name="remote"/> must be refused. A connection without an IP address (a
    /// Unix socket, an in-memory transport) counts as local, as Redis counts Unix sockets.
    /// </summary>
    public static bool Refuses(ReplicatedCacheOptions options, IPAddress? remote) =>
        IsActive(options) && remote is not null && !IsLoopback(remote);

    /// <summary>Loopback, including IPv4 loopback seen through a dual-stack socket (<c>::ffff:127.0.0.1</c>).</summary>
    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>
    /// Whether a listen host reaches only this machine: a loopback address or <c>localhost</c>. Any other name, and
    /// the any-address spellings (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>), reach the network.
    /// </summary>
    public static bool IsLoopbackHost(string host)
    {
        host = host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out IPAddress? address) && IsLoopback(address));
    }

    /// <summary>The endpoints of <paramref name="options"/> that listen beyond loopback while protected mode applies.</summary>
    public static IReadOnlyList<string> ExposedEndpoints(ReplicatedCacheOptions options)
    {
        var exposed = new List<string>();
        if (options.AuthToken is not null)
        {
            return exposed;
        }

        if (options.Listen is { } listen && Uri.TryCreate(listen, UriKind.Absolute, out Uri? uri) && !IsLoopbackHost(uri.Host))
        {
            exposed.Add($"Listen {listen}");
        }

        if (options.RespListen is { } resp && resp.LastIndexOf(':') is > 0 and var colon && !IsLoopbackHost(resp[..colon]))
        {
            exposed.Add($"RespListen {resp}");
        }

        return exposed;
    }

    /// <summary>The loud warning at start, as Redis's "WARNING: no password is set" in protected mode.</summary>
    public static void WarnIfExposed(ReplicatedCacheOptions options, ILogger logger)
    {
        IReadOnlyList<string> exposed = ExposedEndpoints(options);
        if (exposed.Count == 0)
        {
            return;
        }

        string endpoints = string.Join(", ", exposed);
        if (options.ProtectedMode)
        {
            Log.ExposedProtected(logger, endpoints);
        }
        else
        {
            Log.ExposedUnprotected(logger, endpoints);
        }
    }
}
