namespace ReplCache.Resp.Commands;

/// <summary>PING, ECHO, AUTH, HELLO, SELECT, QUIT and RESET: the connection's own state (CLIENT: <see cref="ClientCommands"/>).</summary>
internal static class ConnectionCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Ping(RespConnection c)
    {
        if (c.Request.Count > 2)
        {
            c.Writer.Error("ERR wrong number of arguments for 'ping' command");
        }
        else if (c.IsSubscribed)
        {
            // Redis's RESP2 subscribed context: a pong array, so a client reading pushes reads this one too
            // (StackExchange.Redis keeps its subscription link alive with it).
            c.Writer.ArrayHeader(2);
            c.Writer.Bulk("pong"u8);
            c.Writer.Bulk(c.Request.Count == 2 ? c.Request[1] : []);
        }
        else if (c.Request.Count == 2)
        {
            c.Writer.Bulk(c.Request[1]);
        }
        else
        {
            c.Writer.Pong();
        }

        return Done;
    }

    public static ValueTask<RespFlow> Echo(RespConnection c)
    {
        c.Writer.Bulk(c.Request[1]);
        return Done;
    }

    public static ValueTask<RespFlow> Quit(RespConnection c)
    {
        c.Writer.Ok();
        return new(RespFlow.CloseAfterReply);
    }

    /// <summary><c>RESET</c>: the connection's state back to a new connection's (see <see cref="RespConnection.Reset"/>).</summary>
    public static ValueTask<RespFlow> Reset(RespConnection c)
    {
        c.Reset();
        c.Writer.Raw("+RESET\r\n"u8);
        return Done;
    }

    /// <summary><c>AUTH [username] password</c>; only the <c>default</c> user exists, as in Redis without ACLs.</summary>
    public static ValueTask<RespFlow> Auth(RespConnection c)
    {
        if (c.Request.Count > 3)
        {
            c.Writer.Error("ERR syntax error");
            return Done;
        }

        if (c.Request.Count == 2 && c.Server.Options.AuthToken is null)
        {
            c.Writer.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return Done;
        }

        ReadOnlySpan<byte> user = c.Request.Count == 3 ? c.Request[1] : "default"u8;
        if (CheckPassword(c, user, c.Request[c.Request.Count - 1]))
        {
            c.Writer.Ok();
        }
        else
        {
            c.Writer.Raw("-WRONGPASS invalid username-password pair or user is disabled.\r\n"u8);
        }

        return Done;
    }

    /// <summary>
    /// <c>HELLO [protover [AUTH username password] [SETNAME name]]</c>. Only RESP2 is spoken, so <c>HELLO 3</c> is
    /// refused with NOPROTO, which clients take as "stay on RESP2".
    /// </summary>
    public static ValueTask<RespFlow> Hello(RespConnection c)
    {
        if (c.Request.Count >= 2)
        {
            if (!RespNumber.TryParse(c.Request[1], out long version))
            {
                c.Writer.Error("ERR Protocol version is not an integer or out of range");
                return Done;
            }

            if (version != 2)
            {
                c.Writer.Error("NOPROTO unsupported protocol version");
                return Done;
            }
        }

        bool authenticated = false;
        string? name = null;
        for (int i = 2; i < c.Request.Count; i++)
        {
            bool more = i + 1 < c.Request.Count;
            if (c.Is(i, "AUTH"u8) && i + 2 < c.Request.Count)
            {
                if (!CheckPassword(c, c.Request[i + 1], c.Request[i + 2]))
                {
                    c.Writer.Raw("-WRONGPASS invalid username-password pair or user is disabled.\r\n"u8);
                    return Done;
                }

                authenticated = true;
                i += 2;
            }
            else if (c.Is(i, "SETNAME"u8) && more)
            {
                name = c.Text(++i);
                if (!IsValidName(name))
                {
                    c.Writer.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                    return Done;
                }
            }
            else
            {
                c.Writer.Error($"ERR Syntax error in HELLO option '{c.Text(i)}'");
                return Done;
            }
        }

        if (!c.Authenticated && !authenticated)
        {
            c.Writer.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return Done;
        }

        if (name is not null)
        {
            c.Name = name.Length == 0 ? null : name;
        }

        RespWriter w = c.Writer;
        w.ArrayHeader(14);
        w.Bulk("server"u8);
        w.Bulk("redis"u8);
        w.Bulk("version"u8);
        w.Bulk(ServerInfo.RedisVersion);
        w.Bulk("proto"u8);
        w.Integer(2);
        w.Bulk("id"u8);
        w.Integer(c.Id);
        w.Bulk("mode"u8);
        w.Bulk("standalone"u8);
        w.Bulk("role"u8);
        w.Bulk(c.Server.State.Role == ReplicationRole.Primary ? "master"u8 : "replica"u8);
        w.Bulk("modules"u8);
        w.EmptyArray();
        return Done;
    }

    /// <summary><c>SELECT db</c>: there is one database, 0.</summary>
    public static ValueTask<RespFlow> Select(RespConnection c)
    {
        if (!c.TryInteger(1, out long db))
        {
            return Done;
        }

        if (db == 0)
        {
            c.Writer.Ok();
        }
        else
        {
            c.Writer.Error("ERR DB index is out of range");
        }

        return Done;
    }

    /// <summary>Redis's <c>validateClientName</c>: printable ASCII without spaces.</summary>
    internal static bool IsValidName(string name)
    {
        foreach (char ch in name)
        {
            if (ch is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares in constant time, so the time a wrong password takes tells nothing about the right one.</summary>
    private static bool CheckPassword(RespConnection c, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        // No ACL users: only "default" exists. It has "nopass" when no password is configured, as in Redis; otherwise the
        // current password, or during a rotation's grace period the one it replaced (compared in constant time).
        bool ok = user.SequenceEqual("default"u8) && c.Server.AuthTokens.Accepts(password);

        if (ok)
        {
            c.Authenticated = true;
        }
        else
        {
            c.Server.AuthenticationFailed(c);
        }

        return ok;
    }

}
