using System.Net;

namespace ReplCache.Resp.Directives;

/// <summary>Where the node listens and what it announces: <c>bind</c>, <c>port</c>, <c>replica-announce-ip/-port</c>.</summary>
internal static class ListenerDirectives
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    /// <summary>
    /// One address: ReplCache listens on one socket for both gRPC and RESP. <c>Text</c> is the line as given (CONFIG
    /// GET shows it so); <c>Address</c> the one bound: an IP address, <c>0.0.0.0</c>, <c>::</c> or <c>localhost</c>.
    /// </summary>
    public static readonly Directive<(string Text, string Address)> Bind = new(s_declared, "bind", arity: -2)
    {
        // Loopback, as the "bind 127.0.0.1 -::1" that redis.conf ships with — not redis-server's built-in "every
        // interface", which Redis guards with protected-mode (which ReplCache also has).
        Default = ("127.0.0.1", "127.0.0.1"),
        Parse = (a, _) => (string.Join(' ', a), ChooseAddress(a)),
        Show = s => RedisUnits.Host(s.Options.RespListen) ?? "",
        HostShows = bind => bind.Text,
        Sets = [nameof(ReplicatedCacheOptions.Listen), nameof(ReplicatedCacheOptions.RespListen)],
        Help = """
            bind <addr> [-<optional>...]  one address (ReplCache binds one; '-' addresses are dropped, so
                                          "bind 127.0.0.1 -::1" binds 127.0.0.1; * is 0.0.0.0). Default 127.0.0.1.
            """,
    };

    /// <summary>
    /// The plain port. CONFIG GET shows the bound one (port 0 resolved), which the host records itself with the
    /// <c>tls-port</c> it decides between.
    /// </summary>
    public static readonly Directive<int> Port = new(s_declared, "port", arity: 2)
    {
        Default = 6379,
        Parse = (a, _) => a.Integer(0, 65535),
        Show = s => RedisUnits.Number(s.RespPort),
        Sets = [nameof(ReplicatedCacheOptions.Listen), nameof(ReplicatedCacheOptions.RespListen)],
        Help = """
            port <0-65535>                Listen = http://<bind>:<port> (gRPC replication) and
                                          RespListen = <bind>:<port> (redis-cli): one port for both, as Redis.
                                          0: the OS picks a port, shown once ready (in Redis, 0
                                          disables TCP). Default 6379.
            """,
    };

    public static readonly Directive<string?> ReplicaAnnounceIp = new(s_declared, "replica-announce-ip", arity: 2)
    {
        Aliases = ["slave-announce-ip"],
        Parse = (a, _) => a.TextOrNull(),
        Sets = [nameof(ReplicatedCacheOptions.AnnounceAddress)],
        Help = """
            replica-announce-ip <ip>, replica-announce-port <port>
                                          AnnounceAddress = http://<ip>:<port> (needed with a wildcard bind).
            """,
    };

    /// <summary>0 or none: the listener's own port.</summary>
    public static readonly Directive<int?> ReplicaAnnouncePort = new(s_declared, "replica-announce-port", arity: 2)
    {
        Aliases = ["slave-announce-port"],
        Parse = (a, _) => a.Integer(0, 65535) is int port and not 0 ? port : null,
        Sets = [nameof(ReplicatedCacheOptions.AnnounceAddress)],
        // Help: with replica-announce-ip.
    };

    public static IReadOnlyList<Directive> All => s_declared;

    /// <summary>
    /// The one required address. Redis's optional addresses (<c>-::1</c>, bound only if available) are dropped, so
    /// the shipped <c>bind 127.0.0.1 -::1</c> binds 127.0.0.1.
    /// </summary>
    private static string ChooseAddress(DirectiveArguments args)
    {
        string[] required = [.. args.Where(a => !a.StartsWith('-'))];
        if (required.Length > 1)
        {
            throw args.Error($"ReplCache binds one address, and this line names {required.Length} ({string.Join(", ", required)}); keep one, or mark the others optional with '-'");
        }

        string chosen = required.Length == 1 ? required[0] : args[0].TrimStart('-');
        string address = chosen switch
        {
            "*" => "0.0.0.0",
            "::*" => "::",
            _ => chosen,
        };
        if (!address.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(address, out _))
        {
            throw args.Error($"bind must name an IP address, * or localhost, not '{chosen}' (host names are not resolved)");
        }

        return address;
    }
}
