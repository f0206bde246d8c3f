namespace ReplCache.Resp.Commands;

/// <summary>CONFIG GET (the directive table, rendered from the node), CONFIG SET (its runtime directives) and CONFIG REWRITE (the host's hook).</summary>
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
        else if (c.Is(1, "SET"u8))
        {
            Set(c);
        }
        else if (c.Is(1, "RESETSTAT"u8))
        {
            // A silent OK would make an operator believe the counters were reset.
            c.Writer.Error("ERR CONFIG RESETSTAT is not supported: ReplCache's counters are the meter's, which only grow");
        }
        else
        {
            c.Writer.Error($"ERR unknown subcommand '{c.Text(1)}'. Try CONFIG HELP.");
        }

        return Done;
    }

    /// <summary>
    /// <c>CONFIG SET name value [name value ...]</c>, as Redis 7: all or nothing, in Redis's errors. Only directives
    /// marked <see cref="Directives.Directive.SetAtRuntime"/> change (their option is read at each use, so the change
    /// takes effect at once); the others are refused as Redis refuses an immutable config, rather than accepted and
    /// ignored. The result is checked as the options are at startup, and undone when the check fails.
    /// </summary>
    private static void Set(RespConnection c)
    {
        if (c.Request.Count < 4 || c.Request.Count % 2 != 0)
        {
            c.Writer.Error("ERR wrong number of arguments for 'config|set' command");
            return;
        }

        var changes = new List<(Directives.Directive Directive, string Name, string Value)>();
        for (int i = 2; i < c.Request.Count; i += 2)
        {
            string name = c.Text(i).ToLowerInvariant();
            if (Directives.DirectiveTable.Find(name) is not { IsSettable: true } directive || directive.Arity != 2)
            {
                c.Writer.Error($"ERR Unknown option or number of arguments for CONFIG SET - '{name}'");
                return;
            }

            if (changes.Any(change => ReferenceEquals(change.Directive, directive)))
            {
                c.Writer.Error($"ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter");
                return;
            }

            if (!directive.SetAtRuntime)
            {
                c.Writer.Error($"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config");
                return;
            }

            changes.Add((directive, name, c.Text(i + 1)));
        }

        ReplicatedCacheOptions options = c.Server.Options;
        lock (c.Server.ConfigLock)
        {
            Directives.ConfigSource source = ConfigParameters.SourceOf(c.Server);
            var previous = changes.Select(change => change.Directive.Show!(source)).ToList();
            string? failed = null, problem = null;
            foreach ((Directives.Directive directive, string name, string value) in changes)
            {
                try
                {
                    directive.SetOption(new Directives.DirectiveArguments([value], p => new FormatException(p)), options);
                }
                catch (FormatException ex)
                {
                    (failed, problem) = (name, ex.Message);
                    break;
                }
            }

            if (failed is null && ValidationProblem(options) is { } invalid)
            {
                (failed, problem) = (changes[0].Name, invalid);
            }

            if (failed is not null)
            {
                for (int i = 0; i < changes.Count; i++)
                {
                    changes[i].Directive.SetOption(new Directives.DirectiveArguments([previous[i]], p => new InvalidOperationException(p)), options);
                }

                c.Writer.Error($"ERR CONFIG SET failed (possibly related to argument '{failed}') - {problem}");
                return;
            }

            // requirepass/masterauth: the grace period of the token just replaced starts now.
            c.Server.AuthTokens.Observe();
        }

        c.Writer.Ok();
    }

    private static string? ValidationProblem(ReplicatedCacheOptions options)
    {
        var result = new Hosting.ReplicatedCacheOptionsValidator().Validate(null, options);
        return result.Failed ? result.FailureMessage : null;
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
