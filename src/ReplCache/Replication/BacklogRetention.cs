using Microsoft.Extensions.Logging;
using ReplCache.Backlog;

namespace ReplCache.Replication;

/// <summary>
/// Decides when this node's log keeps a backlog, by Redis's rule: only while it can serve a partial resync. A
/// primary creates it when its first secondary attaches and frees it after <see cref="ReplicatedCacheOptions.BacklogTtl"/>
/// with none attached (never, for a zero TTL); a secondary always keeps one, so that promoted it can let its former
/// siblings and its old primary continue (PSYNC2); a primary loaded from its snapshot keeps one from the load, for
/// the secondaries that followed it before its restart.
/// </summary>
/// <remarks>
/// <para>Redis's createReplicationBacklog (the first replica's SYNC, a replica's completed sync, a master's load of an
/// RDB with replication info) and freeReplicationBacklog in replicationCron, checked once a second as the cron does.
/// The idle time counts from the last secondary's departure, or from the promotion or load that made this node a
/// primary (Redis resets repl_no_slaves_since in replicationUnsetMaster, so a failover does not free the backlog
/// before the new primary's replicas have had time to reconnect).</para>
/// <para>Unlike Redis, the replication id is kept when the backlog is freed: Redis must change it because its offset
/// stops advancing without a backlog, so an old id at the old offset would name data that has changed since; here
/// the offset advances with every write all the same, so the id and offset still name exactly the data held, and a
/// secondary at the very end still continues.</para>
/// <para>Every transition runs under the store's write lock: releasing drops segments from under the log's writer,
/// which appends only under that lock; role changes call in with it held already.</para>
/// </remarks>
internal sealed partial class BacklogRetention(ReplicationLog log, Lock writeLock, ReplicatedCacheOptions options, ILogger logger, string nodeId) : IDisposable
{
    /// <summary>How often a primary without secondaries checks whether its backlog has outlived the TTL: replicationCron's once a second.</summary>
    internal static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private int _secondaries;
    private bool _leading = true;
    private DateTimeOffset _idleSince;
    private ITimer? _check;
    private bool _disposed;

    /// <summary>A secondary attached to this node: keep history from here on, and stop counting idle time.</summary>
    public void SecondaryAttached()
    {
        lock (writeLock)
        {
            _secondaries++;
            StopChecking();
            Retain("a secondary attached");
        }
    }

    /// <summary>A secondary left; on a primary, the last one to leave starts the TTL's count.</summary>
    public void SecondaryDetached()
    {
        lock (writeLock)
        {
            _secondaries--;
            if (_secondaries == 0 && _leading)
            {
                StartIdle();
            }
        }
    }

    /// <summary>This node follows a primary now: it keeps a backlog whatever its own secondaries do. Under the write lock.</summary>
    public void Following()
    {
        lock (writeLock)
        {
            _leading = false;
            StopChecking();
            Retain("this node replicates from a primary");
        }
    }

    /// <summary>
    /// This node leads now: promoted, or loaded from its snapshot as a primary (<paramref name="keepHistory"/>, for the
    /// secondaries that followed it before); the TTL counts from now while none is attached. Under the write lock.
    /// </summary>
    public void Leading(bool keepHistory)
    {
        lock (writeLock)
        {
            _leading = true;
            if (keepHistory)
            {
                Retain("this node loaded its snapshot as a primary");
            }

            if (_secondaries == 0)
            {
                StartIdle();
            }
        }
    }

    public void Dispose()
    {
        lock (writeLock)
        {
            _disposed = true;
            StopChecking();
        }
    }

    private void Retain(string why)
    {
        if (!log.RetainsHistory)
        {
            log.RetainHistory();
            Log.BacklogCreated(logger, nodeId, log.EndOffset, log.BacklogSizeBytes, why);
        }
    }

    private void StartIdle()
    {
        _idleSince = options.TimeProvider.GetUtcNow();
        if (_check is null && !_disposed && log.RetainsHistory)
        {
            _check = options.TimeProvider.CreateTimer(static s => ((BacklogRetention)s!).Check(), this, CheckInterval, CheckInterval);
        }
    }

    private void StopChecking()
    {
        _check?.Dispose();
        _check = null;
    }

    /// <summary>The cron's check: frees the backlog of a primary that has had no secondary for the TTL.</summary>
    private void Check()
    {
        lock (writeLock)
        {
            if (_disposed || !_leading || _secondaries > 0 || !log.RetainsHistory)
            {
                StopChecking();
                return;
            }

            // Read at each check, so CONFIG SET repl-backlog-ttl applies to a backlog already counting; zero keeps it.
            TimeSpan ttl = options.BacklogTtl;
            TimeSpan idle = options.TimeProvider.GetUtcNow() - _idleSince;
            if (ttl <= TimeSpan.Zero || idle < ttl)
            {
                return;
            }

            long held = log.RetainedBytes;
            log.ReleaseHistory();
            StopChecking();
            Log.BacklogFreed(logger, nodeId, log.EndOffset, (long)idle.TotalSeconds, held, log.RetainedBytes);
        }
    }
}
