using System.Net;

namespace ReplCache.Resp.Commands;

/// <summary>
/// <c>CLIENT KILL</c> as Redis 7.0 (networking.c): the old form <c>CLIENT KILL ip:port</c> (which may kill the caller,
/// and answers +OK or "No such client"), and the filter form <c>CLIENT KILL [ID id] [TYPE normal|master|replica|slave|pubsub]
/// [USER name] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]</c>, which skips the caller unless SKIPME no and answers
/// how many it killed. The connections are really closed: Redis Sentinel's failover transaction ends with
/// <c>CLIENT KILL TYPE normal</c> and <c>TYPE pubsub</c> so that every client reconnects and finds the new roles.
/// </summary>
internal static class ClientKill
{
    public static RespFlow Run(RespConnection c)
    {
        RespWriter w = c.Writer;
        int n = c.Request.Count; // CLIENT KILL ...: the arguments start at 2
        string? addr = null, laddr = null;
        RespClientType? type = null;
        long id = 0;
        bool skipMe = true;
        bool oldForm = n == 3;
        if (oldForm)
        {
            addr = c.Text(2);
            skipMe = false; // with the old form, a client can kill itself
        }
        else
        {
            for (int i = 2; i < n; i += 2)
            {
                bool more = i + 1 < n;
                if (c.Is(i, "ID"u8) && more)
                {
                    if (!RespNumber.TryParse(c.Request[i + 1], out id) || id < 1)
                    {
                        w.Error("ERR client-id should be greater than 0");
                        return RespFlow.Continue;
                    }
                }
                else if (c.Is(i, "TYPE"u8) && more)
                {
                    type = TypeNamed(c, i + 1);
                    if (type is null)
                    {
                        w.Error($"ERR Unknown client type '{c.Text(i + 1)}'");
                        return RespFlow.Continue;
                    }
                }
                else if (c.Is(i, "ADDR"u8) && more)
                {
                    addr = c.Text(i + 1);
                }
                else if (c.Is(i, "LADDR"u8) && more)
                {
                    laddr = c.Text(i + 1);
                }
                else if (c.Is(i, "USER"u8) && more)
                {
                    // Without ACLs only "default" exists, and every connection is it (authenticated or not, as Redis).
                    if (!c.Request[i + 1].SequenceEqual("default"u8))
                    {
                        w.Error($"ERR No such user '{c.Text(i + 1)}'");
                        return RespFlow.Continue;
                    }
                }
                else if (c.Is(i, "SKIPME"u8) && more && (c.Is(i + 1, "YES"u8) || c.Is(i + 1, "NO"u8)))
                {
                    skipMe = c.Is(i + 1, "YES"u8);
                }
                else
                {
                    w.Error("ERR syntax error");
                    return RespFlow.Continue;
                }
            }
        }

        int killed = 0;
        bool killSelf = false;
        foreach (RespConnection client in c.Server.Clients.Snapshot())
        {
            if ((addr is not null && addr != Address(client.RemoteEndPoint))
                || (laddr is not null && laddr != Address(client.LocalEndPoint))
                || (type is { } wanted && client.Type != wanted)
                || (id != 0 && client.Id != id)
                || (client == c && skipMe))
            {
                continue;
            }

            if (client == c)
            {
                killSelf = true; // after the reply, as Redis's CLIENT_CLOSE_AFTER_REPLY
            }
            else
            {
                client.Kill($"killed by CLIENT KILL from client {c.Id}");
            }

            killed++;
        }

        if (!oldForm)
        {
            w.Integer(killed);
        }
        else if (killed == 0)
        {
            w.Error("ERR No such client");
        }
        else
        {
            w.Ok();
        }

        return killSelf ? RespFlow.CloseAfterReply : RespFlow.Continue;
    }

    /// <summary>Redis's <c>getClientPeerId</c>: <c>ip:port</c>, an IPv6 address in brackets.</summary>
    public static string Address(IPEndPoint? endPoint)
    {
        if (endPoint is null)
        {
            return "?:0";
        }

        IPAddress ip = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        return new IPEndPoint(ip, endPoint.Port).ToString();
    }

    private static RespClientType? TypeNamed(RespConnection c, int index) =>
        c.Is(index, "normal"u8) ? RespClientType.Normal
        : c.Is(index, "pubsub"u8) ? RespClientType.PubSub
        : c.Is(index, "master"u8) ? RespClientType.Master
        : c.Is(index, "replica"u8) || c.Is(index, "slave"u8) ? RespClientType.Replica
        : null;
}
