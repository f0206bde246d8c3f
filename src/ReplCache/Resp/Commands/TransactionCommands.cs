namespace ReplCache.Resp.Commands;

/// <summary>
/// MULTI, EXEC and DISCARD with Redis's semantics (multi.c): after MULTI every command but these, QUIT and RESET is
/// queued and answered <c>+QUEUED</c>; EXEC runs the queue in order and answers their replies in one array, or
/// EXECABORT when a command was refused while queueing. Redis Sentinel's failover is such a transaction
/// (<c>MULTI, SLAVEOF, CONFIG REWRITE, CLIENT KILL TYPE normal, CLIENT KILL TYPE pubsub, EXEC</c>).
/// </summary>
/// <remarks>
/// Nothing else runs between the queued commands of one connection; other connections' commands may (ReplCache
/// serves clients in parallel, and WATCH, which would make that observable, is not offered).
/// </remarks>
internal static class TransactionCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    public static ValueTask<RespFlow> Multi(RespConnection c)
    {
        if (c.Transaction is not null)
        {
            // Not a queue-time error: the transaction goes on, as in Redis.
            c.Writer.Error("ERR MULTI calls can not be nested");
            return Done;
        }

        c.Transaction = new RespTransaction();
        c.Writer.Ok();
        return Done;
    }

    public static ValueTask<RespFlow> Discard(RespConnection c)
    {
        if (c.Transaction is null)
        {
            c.Writer.Error("ERR DISCARD without MULTI");
            return Done;
        }

        c.Transaction = null;
        c.Writer.Ok();
        return Done;
    }

    public static async ValueTask<RespFlow> Exec(RespConnection c)
    {
        if (c.Transaction is not { } transaction)
        {
            c.Writer.Error("ERR EXEC without MULTI");
            return RespFlow.Continue;
        }

        c.Transaction = null;
        if (transaction.Aborted)
        {
            c.Writer.Raw("-EXECABORT Transaction discarded because of previous errors.\r\n"u8);
            return RespFlow.Continue;
        }

        c.Writer.ArrayHeader(transaction.Count);
        RespFlow flow = RespFlow.Continue;
        c.InExec = true;
        try
        {
            for (int i = 0; i < transaction.Count; i++)
            {
                RespCommand command = transaction.Load(i, c.Request);
                RespFlow after = await c.RunQueued(command).ConfigureAwait(false);
                if (after == RespFlow.CloseNow)
                {
                    return after; // SHUTDOWN: nothing more is sent
                }

                // CLIENT KILL SKIPME no, QUIT's kin: the rest still runs and is answered, then the connection closes.
                if (after == RespFlow.CloseAfterReply)
                {
                    flow = after;
                }
            }
        }
        finally
        {
            c.InExec = false;
        }

        return flow;
    }
}
