using System.Globalization;
using System.Net.Sockets;

namespace ReplCache.Resp.Commands;

/// <summary>ROLE, REPLICAOF (and its old name SLAVEOF), WAIT and FAILOVER.</summary>
internal static class ReplicationCommands
{
    private static ValueTask<RespFlow> Done => new(RespFlow.Continue);

    /// <summary>
    /// Redis's shapes: a primary answers <c>["master", offset, [[ip, "port", "offset"], ...]]</c> listing its online
    /// secondaries at their RESP ip and port (as INFO's slaveN lines); a secondary <c>["slave", host, port, state,
    /// offset]</c> with state connect, connecting, sync or connected, and offset -1 until the link is up (Redis
    /// reports the master client's offset, and there is none before the sync ends).
    /// </summary>
    public static ValueTask<RespFlow> Role(RespConnection c)
    {
        ReplicationInfo info = c.Server.Replication.GetInfo();
        RespWriter w = c.Writer;
        if (info.Role == ReplicationRole.Primary)
        {
            ReplicaInfo[] online = [.. info.Replicas.Where(r => r.State == "online")];
            w.ArrayHeader(3);
            w.Bulk("master"u8);
            w.Integer(info.Offset);
            w.ArrayHeader(online.Length);
            foreach (ReplicaInfo replica in online)
            {
                w.ArrayHeader(3);
                w.Bulk(replica.ShownIp);
                w.BulkNumber(replica.ShownPort);
                w.BulkNumber(replica.AckedOffset);
            }
        }
        else
        {
            w.ArrayHeader(5);
            w.Bulk("slave"u8);
            w.Bulk(info.PrimaryAddress?.DnsSafeHost ?? "?");
            w.Integer(info.PrimaryAddress?.Port ?? 0);
            w.Bulk(info.LinkStatus switch
            {
                PrimaryLinkStatus.Connecting => "connecting"u8,
                PrimaryLinkStatus.Syncing => "sync"u8,
                PrimaryLinkStatus.Up => "connected"u8,
                _ => "connect"u8, // down, waiting to retry: Redis's REPL_STATE_CONNECT
            });
            w.Integer(info.LinkStatus == PrimaryLinkStatus.Up ? info.Offset : -1);
        }

        return Done;
    }

    /// <summary>
    /// <c>REPLICAOF host port</c> follows the node at that address (the port that serves both RESP and replication
    /// when they share one); <c>REPLICAOF NO ONE</c> promotes this node. A loop is refused with the reason.
    /// </summary>
    public static async ValueTask<RespFlow> ReplicaOf(RespConnection c)
    {
        if (c.Is(1, "NO"u8) && c.Is(2, "ONE"u8))
        {
            try
            {
                await c.Server.Replication.PromoteToPrimaryAsync(c.Server.Stopping).ConfigureAwait(false);
                c.Server.Gate.StalePrimary.Lift(); // the operator's word over the Sentinels' hello
            }
            catch (InvalidOperationException ex)
            {
                c.Writer.Error("ERR " + ex.Message);
                return RespFlow.Continue;
            }

            c.Writer.Ok();
            return RespFlow.Continue;
        }

        if (!RespNumber.TryParse(c.Request[2], out long port) || port is < 0 or > 65535)
        {
            c.Writer.Error("ERR Invalid master port");
            return RespFlow.Continue;
        }

        string host = c.Text(1);
        // REPLICAOF carries no scheme: Tls.ReplicaOfUsesTls says TLS, as Redis's tls-replication.
        string scheme = c.Server.Options.Tls.ReplicaOfUsesTls ? "https" : "http";
        if (!TryAddress(scheme, host, port, out Uri? primary))
        {
            c.Writer.Error($"ERR Invalid master host '{host}'");
            return RespFlow.Continue;
        }

        Uri? current = c.Server.Replication.GetInfo().PrimaryAddress;
        bool same = current is not null && string.Equals(current.Host, primary.Host, StringComparison.OrdinalIgnoreCase) && current.Port == primary.Port;
        try
        {
            // Called even when already following it: naming the same primary again is how an operator accepts
            // the empty dataset of a primary that restarted empty (see AcceptEmptyPrimary).
            await c.Server.Replication.ReplicaOfAsync(primary, c.Server.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or SocketException)
        {
            c.Writer.Error("ERR " + ex.Message);
            return RespFlow.Continue;
        }

        if (same)
        {
            c.Writer.Raw("+OK Already connected to specified master\r\n"u8);
        }
        else
        {
            c.Writer.Ok();
        }

        return RespFlow.Continue;
    }

    /// <summary>
    /// <c>WAIT numreplicas timeout</c>: how many secondaries acknowledged everything written so far. Timeout 0 waits
    /// until enough have; the wait ends when the client disconnects.
    /// </summary>
    public static async ValueTask<RespFlow> Wait(RespConnection c)
    {
        if (c.Server.State.Role == ReplicationRole.Secondary)
        {
            c.Writer.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
            return RespFlow.Continue;
        }

        if (!c.TryInteger(1, out long replicas))
        {
            return RespFlow.Continue;
        }

        if (!RespNumber.TryParse(c.Request[2], out long timeoutMs))
        {
            c.Writer.Error("ERR timeout is not an integer or out of range");
            return RespFlow.Continue;
        }

        if (timeoutMs < 0)
        {
            c.Writer.Error("ERR timeout is negative");
            return RespFlow.Continue;
        }

        // As Redis's getTimeoutFromObjectOrReply: the deadline is now plus the timeout, in Unix milliseconds, and one
        // that overflows is refused rather than taken as a wait without end.
        if (timeoutMs > long.MaxValue - c.Server.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds())
        {
            c.Writer.Error("ERR timeout is out of range");
            return RespFlow.Continue;
        }

        // Inside EXEC nothing blocks (Redis's CLIENT_DENY_BLOCKING): the count acknowledged now is the answer.
        TimeSpan timeout = c.InExec ? TimeSpan.Zero
            : timeoutMs == 0 ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromMilliseconds(Math.Min(timeoutMs, int.MaxValue));
        CancellationToken demoted = c.Server.State.PrimaryTermEnded;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(c.Closed, c.Server.Stopping, demoted);
        c.Server.Blocked(+1);
        try
        {
            int acknowledged = await c.Server.Replication.WaitForReplicasAsync((int)Math.Clamp(replicas, 0, int.MaxValue), timeout, gone.Token).ConfigureAwait(false);
            c.Writer.Integer(acknowledged);
            return RespFlow.Continue;
        }
        catch (OperationCanceledException) when (demoted.IsCancellationRequested && !c.Closed.IsCancellationRequested && !c.Server.Stopping.IsCancellationRequested)
        {
            // As Redis's disconnectAllBlockedClients (#2473): the node became a secondary, whose secondaries this
            // client can no longer wait for; it is unblocked with an error and closed after the reply.
            c.Writer.Error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
            return RespFlow.CloseAfterReply;
        }
        catch (OperationCanceledException)
        {
            return RespFlow.CloseNow; // the client is gone, or the node is stopping
        }
        finally
        {
            c.Server.Blocked(-1);
        }
    }

    /// <summary>
    /// <c>FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]</c>, as Redis 6.2: the arguments and preconditions are
    /// checked at once and answered with Redis's errors; then <c>+OK</c>, and the failover runs on, its progress in
    /// INFO's <c>master_failover_state</c>. <c>FAILOVER ABORT</c> stops one in progress, which rolls back.
    /// </summary>
    public static ValueTask<RespFlow> Failover(RespConnection c)
    {
        string? host = null;
        long port = 0, timeoutMs = 0;
        bool force = false, abort = false, timed = false;
        for (int i = 1; i < c.Request.Count; i++)
        {
            if (c.Is(i, "TO"u8) && i + 2 < c.Request.Count)
            {
                host = c.Text(i + 1);
                if (!RespNumber.TryParse(c.Request[i + 2], out port) || port is < 0 or > 65535)
                {
                    c.Writer.Error("ERR value is not an integer or out of range");
                    return Done;
                }

                i += 2;
            }
            else if (c.Is(i, "TIMEOUT"u8) && i + 1 < c.Request.Count)
            {
                if (!RespNumber.TryParse(c.Request[i + 1], out timeoutMs))
                {
                    c.Writer.Error("ERR value is not an integer or out of range");
                    return Done;
                }

                if (timeoutMs <= 0)
                {
                    c.Writer.Error("ERR FAILOVER timeout must be greater than 0");
                    return Done;
                }

                timed = true;
                i++;
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
                return Done;
            }
        }

        if (abort)
        {
            if (force || host is not null || timed)
            {
                c.Writer.Error("ERR FAILOVER ABORT can only be used by itself");
            }
            else if (!c.Server.AbortFailover())
            {
                c.Writer.Error("ERR No failover in progress.");
            }
            else
            {
                c.Writer.Ok();
            }

            return Done;
        }

        Uri? target = null;
        if (host is not null)
        {
            if (!TryAddress("http", host, port, out target))
            {
                c.Writer.Error("ERR FAILOVER target HOST and PORT is not a replica.");
                return Done;
            }
        }

        // Every argument and precondition error is thrown before the failover's first wait, so the task is already
        // faulted with it; otherwise the failover runs on after +OK, as in Redis, and logs how it ends.
        Task failover = c.Server.Replication.FailoverAsync(target, timed ? TimeSpan.FromMilliseconds(timeoutMs) : null, force, c.Server.Stopping);
        if (failover.IsFaulted && failover.Exception!.InnerException is ArgumentException or InvalidOperationException)
        {
            c.Writer.Error("ERR " + failover.Exception.InnerException.Message);
            return Done;
        }

        _ = failover.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        c.Writer.Ok();
        return Done;
    }

    /// <summary>A RESP command's host and port as a node address; an IPv6 literal gets the brackets a URI needs.</summary>
    private static bool TryAddress(string scheme, string host, long port, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? address)
    {
        string authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return Uri.TryCreate($"{scheme}://{authority}:{port.ToString(CultureInfo.InvariantCulture)}", UriKind.Absolute, out address);
    }
}
