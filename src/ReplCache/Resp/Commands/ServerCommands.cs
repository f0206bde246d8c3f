using Microsoft.Extensions.Logging;

namespace ReplCache.Resp.Commands;

/// <summary>INFO, COMMAND, CLUSTER, DEBUG DIGEST, SAVE and SHUTDOWN (CONFIG: <see cref="ConfigCommands"/>).</summary>
internal static class ServerCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Info(RespConnection c)
    {
        var sections = new List<string>(c.Request.Count);
        for (int i = 1; i < c.Request.Count; i++)
        {
            sections.Add(c.Text(i));
        }

        c.Writer.Bulk(ServerInfo.Build(c.Server, sections));
        return Done;
    }

    /// <summary>
    /// <c>CLUSTER ...</c>: this is not a cluster node, and says so as Redis does with cluster support disabled.
    /// StackExchange.Redis sends <c>CLUSTER NODES</c> while connecting and takes any other reply for cluster mode.
    /// </summary>
    public static ValueTask<RespFlow> Cluster(RespConnection c)
    {
        c.Writer.Error("ERR This instance has cluster support disabled");
        return Done;
    }

    /// <summary><c>COMMAND</c>, <c>COMMAND COUNT</c>, <c>COMMAND INFO name...</c>, <c>COMMAND DOCS [name...]</c>.</summary>
    public static ValueTask<RespFlow> Command(RespConnection c)
    {
        RespWriter w = c.Writer;
        if (c.Request.Count == 1)
        {
            w.ArrayHeader(RespCommandTable.All.Count);
            foreach (RespCommand command in RespCommandTable.All)
            {
                WriteInfo(w, command);
            }
        }
        else if (c.Is(1, "COUNT"u8) && c.Request.Count == 2)
        {
            w.Integer(RespCommandTable.All.Count);
        }
        else if (c.Is(1, "INFO"u8))
        {
            w.ArrayHeader(c.Request.Count - 2);
            for (int i = 2; i < c.Request.Count; i++)
            {
                if (RespCommandTable.Find(c.Request[i]) is { } command)
                {
                    WriteInfo(w, command);
                }
                else
                {
                    w.NullArray();
                }
            }
        }
        else if (c.Is(1, "DOCS"u8))
        {
            // RESP2 has no maps: Redis sends a map as a flat array of key, value. redis-cli 7 reads the summaries
            // as its command hints.
            var commands = new List<RespCommand>();
            if (c.Request.Count == 2)
            {
                commands.AddRange(RespCommandTable.All);
            }
            else
            {
                for (int i = 2; i < c.Request.Count; i++)
                {
                    if (RespCommandTable.Find(c.Request[i]) is { } command)
                    {
                        commands.Add(command);
                    }
                }
            }

            w.ArrayHeader(commands.Count * 2);
            foreach (RespCommand command in commands)
            {
                w.Bulk(command.Name);
                w.ArrayHeader(6);
                w.Bulk("summary"u8);
                w.Bulk(command.Summary);
                w.Bulk("since"u8);
                w.Bulk("1.0.0"u8);
                w.Bulk("group"u8);
                w.Bulk(command.Group);
            }
        }
        else
        {
            w.Error($"ERR unknown subcommand '{c.Text(1)}'. Try COMMAND HELP.");
        }

        return Done;
    }

    /// <summary><c>DEBUG DIGEST</c>: the cache's order-independent digest, equal on nodes with equal content.</summary>
    public static ValueTask<RespFlow> Debug(RespConnection c)
    {
        if (c.Is(1, "DIGEST"u8) && c.Request.Count == 2)
        {
            c.Writer.Simple(c.Server.Store.ComputeDigest());
        }
        else
        {
            c.Writer.Error($"ERR unknown subcommand '{c.Text(1)}'. Try DEBUG HELP.");
        }

        return Done;
    }

    /// <summary><c>SAVE</c>: the node's snapshot, written while reads and writes go on.</summary>
    public static async ValueTask<RespFlow> Save(RespConnection c)
    {
        if (c.Server.Options.SnapshotPath is null)
        {
            c.Writer.Error("ERR SAVE is not available: this node has no SnapshotPath configured, so there is nowhere to save");
            return RespFlow.Continue;
        }

        try
        {
            await c.Server.Snapshots.SaveAsync(c.Server.Stopping).ConfigureAwait(false);
            c.Writer.Ok();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            c.Writer.Error("ERR SAVE failed: " + ex.Message);
        }

        return RespFlow.Continue;
    }

    /// <summary>
    /// <c>SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]</c> on a standalone node, as Redis 7's <c>shutdownCommand</c>: a
    /// primary first waits for its secondaries to catch up (not with NOW), the client blocked meanwhile; then the node
    /// stops and the connection closes without a reply. <c>SHUTDOWN ABORT</c> cancels a shutdown that is still
    /// waiting: <c>+OK</c>, and every client blocked in SHUTDOWN gets Redis's error and is served on. Where the
    /// application hosts the node, it owns its lifetime and SHUTDOWN is refused.
    /// </summary>
    /// <remarks>
    /// FORCE is accepted and changes nothing: Redis without it keeps running when the final save fails, but a
    /// ReplCache node always stops (the failure logged), which is what FORCE asks for.
    /// </remarks>
    public static async ValueTask<RespFlow> Shutdown(RespConnection c)
    {
        bool? save = null;
        bool now = false, force = false, abort = false, conflict = false;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.Is(i, "NOSAVE"u8) || c.Is(i, "SAVE"u8))
            {
                bool flag = c.Is(i, "SAVE"u8);
                conflict |= save is not null && save != flag;
                save = flag;
            }
            else if (c.Is(i, "NOW"u8))
            {
                now = true;
            }
            else if (c.Is(i, "FORCE"u8))
            {
                force = true;
            }
            else if (c.Is(i, "ABORT"u8))
            {
                abort = true;
            }
            else
            {
                c.Writer.Error("ERR syntax error");
                return RespFlow.Continue;
            }
        }

        // Redis's illegal combinations: ABORT with any flag, SAVE with NOSAVE.
        if (conflict || (abort && (save is not null || now || force)))
        {
            c.Writer.Error("ERR syntax error");
            return RespFlow.Continue;
        }

        if (abort)
        {
            if (c.Server.AbortShutdown is { } abortShutdown && abortShutdown())
            {
                c.Writer.Ok();
            }
            else
            {
                c.Writer.Error("ERR No shutdown in progress.");
            }

            return RespFlow.Continue;
        }

        // As Redis: inside EXEC nothing may block (CLIENT_DENY_BLOCKING), and the wait for secondaries would.
        if (!now && c.InExec)
        {
            c.Writer.Error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
            return RespFlow.Continue;
        }

        if (c.Server.Shutdown is not { } shutdown)
        {
            c.Writer.Error("ERR SHUTDOWN is not available: the application hosting this node owns its lifetime; stop the application instead");
            return RespFlow.Continue;
        }

        if (save == true && c.Server.Options.SnapshotPath is null)
        {
            c.Writer.Error("ERR SHUTDOWN SAVE is not possible: this node has no SnapshotPath configured, so there is nowhere to save");
            return RespFlow.Continue;
        }

        RespServer.Log.ShutdownRequested(c.Server.Logger, c.Id, c.RemoteEndPoint, (save switch { true => "SAVE", false => "NOSAVE", null => "default" }) + (now ? " NOW" : ""));
        RespServer server = c.Server;
        Task? stopping;
        server.Blocked(+1);
        try
        {
            // Only the wait is awaited, never the stop: stopping closes every connection, this one included, and
            // waits for them to end.
            stopping = await shutdown(save, now).WaitAsync(c.Closed).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return RespFlow.CloseNow; // the client left; the shutdown goes on without it, as in Redis
        }
        finally
        {
            server.Blocked(-1);
        }

        if (stopping is null)
        {
            // As Redis's replyToClientsBlockedOnShutdown after an abort.
            c.Writer.Error("ERR Errors trying to SHUTDOWN. Check logs.");
            return RespFlow.Continue;
        }

        _ = stopping.ContinueWith(
            static (t, s) => RespServer.Log.ShutdownFailed((ILogger)s!, t.Exception!.GetBaseException().Message),
            server.Logger,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        return RespFlow.CloseNow;
    }

    private static void WriteInfo(RespWriter w, RespCommand command)
    {
        // Redis 7's shape: name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands.
        w.ArrayHeader(10);
        w.Bulk(command.Name);
        w.Integer(command.Arity);
        var flags = new List<string>();
        if ((command.Flags & RespCommandFlags.Write) != 0)
        {
            flags.Add("write");
        }

        if ((command.Flags & RespCommandFlags.ReadOnly) != 0)
        {
            flags.Add("readonly");
        }

        if ((command.Flags & RespCommandFlags.Admin) != 0)
        {
            flags.Add("admin");
        }

        if ((command.Flags & RespCommandFlags.NoAuth) != 0)
        {
            flags.Add("no_auth");
        }

        if ((command.Flags & RespCommandFlags.Fast) != 0)
        {
            flags.Add("fast");
        }

        w.ArrayHeader(flags.Count);
        foreach (string flag in flags)
        {
            w.Simple(flag);
        }

        w.Integer(command.FirstKey);
        w.Integer(command.LastKey);
        w.Integer(command.FirstKey == 0 ? 0 : 1);
        w.EmptyArray();
        w.EmptyArray();
        w.EmptyArray();
        w.EmptyArray();
    }
}
