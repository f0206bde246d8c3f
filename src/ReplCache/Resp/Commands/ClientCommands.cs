namespace ReplCache.Resp.Commands;

/// <summary>CLIENT: this connection's id and name, the library's announcement, and KILL of connections (<see cref="ClientKill"/>).</summary>
internal static class ClientCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    /// <summary><c>CLIENT ID | GETNAME | SETNAME name | SETINFO attr value | KILL ... | HELP</c>.</summary>
    public static ValueTask<RespFlow> Client(RespConnection c)
    {
        RespWriter w = c.Writer;
        int n = c.Request.Count;
        if (c.Is(1, "KILL"u8) && n >= 3)
        {
            return new(ClientKill.Run(c));
        }

        if (c.Is(1, "ID"u8) && n == 2)
        {
            w.Integer(c.Id);
        }
        else if (c.Is(1, "GETNAME"u8) && n == 2)
        {
            if (c.Name is null)
            {
                w.Null();
            }
            else
            {
                w.Bulk(c.Name);
            }
        }
        else if (c.Is(1, "SETNAME"u8) && n == 3)
        {
            string name = c.Text(2);
            if (!ConnectionCommands.IsValidName(name))
            {
                w.Error("ERR Client names cannot contain spaces, newlines or special characters.");
            }
            else
            {
                c.Name = name.Length == 0 ? null : name;
                w.Ok();
            }
        }
        else if (c.Is(1, "SETINFO"u8) && n == 4)
        {
            // Client libraries announce themselves (redis-cli 7.2+, redis-py); nothing here depends on it.
            if (!c.Is(2, "LIB-NAME"u8) && !c.Is(2, "LIB-VER"u8))
            {
                w.Error($"ERR Unrecognized option '{c.Text(2)}'");
            }
            else if (!ConnectionCommands.IsValidName(c.Text(3)))
            {
                w.Error($"ERR {c.Text(2).ToLowerInvariant()} cannot contain spaces, newlines or special characters.");
            }
            else
            {
                w.Ok();
            }
        }
        else if (c.Is(1, "HELP"u8) && n == 2)
        {
            string[] help =
            [
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "SETINFO <LIB-NAME|LIB-VER> <value>",
                "    Accept the client library's name and version.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR <ip:port>",
                "      Kill connections made from the specified address",
                "    * LADDR <ip:port>",
                "      Kill connections made to specified local address",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type (no RESP connection is a MASTER or REPLICA: replication is not RESP here).",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "    * ID <client-id>",
                "      Kill connections by client id.",
                "HELP",
                "    Print this help.",
            ];
            w.ArrayHeader(help.Length);
            foreach (string line in help)
            {
                w.Simple(line);
            }
        }
        else if (c.Is(1, "ID"u8) || c.Is(1, "GETNAME"u8) || c.Is(1, "SETNAME"u8) || c.Is(1, "SETINFO"u8) || c.Is(1, "HELP"u8) || c.Is(1, "KILL"u8))
        {
            w.Error($"ERR wrong number of arguments for 'client|{c.Text(1).ToLowerInvariant()}' command");
        }
        else
        {
            w.Error($"ERR unknown subcommand '{Truncate(c.Text(1))}'. Try CLIENT HELP.");
        }

        return Done;
    }

    private static string Truncate(string text) => text.Length > 128 ? text[..128] : text;
}
