namespace ReplCache.Resp.Commands;

/// <summary>CONFIG GET (the directive table, rendered from the node) and CONFIG REWRITE (the host's hook).</summary>
internal static class ConfigCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    /// <summary>
    /// <c>CONFIG GET pattern [pattern ...]</c>: a flat array of name, value pairs; <c>CONFIG REWRITE</c> through the
    /// host's hook. Both are known at queue time inside MULTI, as Redis Sentinel's failover transaction needs.
    /// </summary>
    public static ValueTask<RespFlow> Config(RespConnection c)
    {
        if (c.Is(1, "REWRITE"u8))
        {
            return Rewrite(c);
        }

        if (c.Is(1, "GET"u8))
        {
            if (c.Request.Count < 3)
            {
                c.Writer.Error("ERR wrong number of arguments for 'config|get' command");
                return Done;
            }

            var globs = new List<string>();
            for (int i = 2; i < c.Request.Count; i++)
            {
                globs.Add(c.Text(i));
            }

            List<KeyValuePair<string, string>> matching = ConfigParameters.Matching(c.Server, globs);
            c.Writer.ArrayHeader(matching.Count * 2);
            foreach ((string name, string value) in matching)
            {
                c.Writer.Bulk(name);
                c.Writer.Bulk(value);
            }
        }
        else if (c.Is(1, "SET"u8) || c.Is(1, "RESETSTAT"u8))
        {
            // Options are fixed when the node starts; a silent OK would make an operator believe otherwise.
            c.Writer.Error($"ERR CONFIG {c.Text(1).ToUpperInvariant()} is not supported: ReplCache options are set when the node starts");
        }
        else
        {
            c.Writer.Error($"ERR unknown subcommand '{c.Text(1)}'. Try CONFIG HELP.");
        }

        return Done;
    }

    /// <summary>
    /// <c>CONFIG REWRITE</c>: the server program's rewrite of its config file; a node without one answers Redis's
    /// error for a server started without a config file. In Sentinel's failover transaction that error is harmless:
    /// Sentinel ignores the replies, and the other commands run.
    /// </summary>
    private static async ValueTask<RespFlow> Rewrite(RespConnection c)
    {
        if (c.Request.Count != 2)
        {
            c.Writer.Error("ERR wrong number of arguments for 'config|rewrite' command");
            return RespFlow.Continue;
        }

        if (c.Server.RewriteConfig is not { } rewrite)
        {
            c.Writer.Error("ERR The server is running without a config file");
            return RespFlow.Continue;
        }

        try
        {
            await rewrite(c.Server.Stopping).ConfigureAwait(false);
            c.Writer.Ok();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RespServer.Log.ConfigRewriteFailed(c.Server.Logger, c.Id, ex.Message);
            c.Writer.Error("ERR Rewriting config file: " + ex.Message);
        }

        return RespFlow.Continue;
    }
}
