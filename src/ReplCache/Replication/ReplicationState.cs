using ReplCache.Backlog;
using ReplCache.Storage;

namespace ReplCache.Replication;

/// <summary>
/// What both sides of replication share about this node: who it is, its role, the history its data belongs to
/// (replication ids and offsets, PSYNC2), whom it replicates from, and the decisions that move them — a role
/// change, a full resync adopted, a partial resync continued.
/// </summary>
/// <remarks>
/// Every transition happens under the store's write lock, so it is ordered with every write and every log append:
/// a write is either before a promotion (in the old history) or after it (in the new one), never half in both.
/// Readers of <see cref="Role"/>, <see cref="History"/> and <see cref="Upstream"/> take no lock: each is one
/// reference or value written with release semantics.
/// </remarks>
internal sealed class ReplicationState(string nodeId, IStoreAuthority store, ReplicationLog log, IStoreObserver appender, BacklogRetention backlog)
{
    private readonly long _startedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    private ReplicationHistory _history = ReplicationHistory.New();
    private string[] _upstream = [];
    private volatile ReplicationRole _role = ReplicationRole.Primary;
    private CancellationTokenSource _primaryTerm = new();
    private bool _hasHistoryToContinue;
    private Uri? _advertisedAddress;
    private int _respPort;

    public string NodeId { get; } = nodeId;

    public ReplicationRole Role => _role;

    public ReplicationHistory History => Volatile.Read(ref _history);

    /// <summary>
    /// Cancelled when this node stops being a primary (REPLICAOF, FAILOVER's step-down), until it is one again: what
    /// ends a wait on this primary's secondaries (WAIT), as Redis's disconnectAllBlockedClients unblocks them.
    /// </summary>
    public CancellationToken PrimaryTermEnded => Volatile.Read(ref _primaryTerm).Token;

    /// <summary>The node ids this node replicates from, nearest first; empty on a primary.</summary>
    public string[] Upstream => Volatile.Read(ref _upstream);

    /// <summary>How long this node has been running.</summary>
    public TimeSpan Uptime => System.Diagnostics.Stopwatch.GetElapsedTime(_startedTimestamp);

    /// <summary>The address secondaries and operators reach this node at, once known (set once by the listener).</summary>
    public Uri? AdvertisedAddress
    {
        get => Volatile.Read(ref _advertisedAddress);
        set => Interlocked.CompareExchange(ref _advertisedAddress, value, null);
    }

    /// <summary>
    /// The port Redis clients reach this node's RESP endpoint at, which a secondary tells its primary in its Hello
    /// (Redis's <c>REPLCONF listening-port</c>) so that the primary's INFO lists it for Sentinel; 0 until the
    /// endpoint listens, and without one. Set once by the endpoint.
    /// </summary>
    public int RespPort
    {
        get => Volatile.Read(ref _respPort);
        set => Interlocked.CompareExchange(ref _respPort, value, 0);
    }

    /// <summary>The log's end: the replication offset of everything this node holds.</summary>
    public long Offset => log.EndOffset;

    /// <summary>
    /// Whether the store holds everything up to the log's end of the history it has: false on a secondary that has
    /// never completed a sync (it has no history of its own yet), and for an instant inside the swap that completes a
    /// full resync. A full resync loads aside, so the data, the log and the history it replaces stay whole until then.
    /// Under the store's write lock the answer is consistent with <see cref="History"/> and the log's end; without it,
    /// see <see cref="AppliedPositions.HasApplied"/> for how a reader makes it so.
    /// </summary>
    public bool HoldsLogEnd => _role == ReplicationRole.Primary || Volatile.Read(ref _hasHistoryToContinue);

    /// <summary>
    /// REPLICAOF: this node becomes a secondary. Its data and history become the "cached primary": if the new primary
    /// shares the history, it continues from where it is, as Redis does when a master is turned into a replica.
    /// A primary's own secondaries are detached, so they reconnect and learn the new topology. A secondary's are
    /// kept, as Redis 7 keeps them (PR #9398): the data and history they follow stay this node's until it continues
    /// under a new id or completes a full resync, and either detaches them then; the new chain reaches them in a
    /// Topology message meanwhile.
    /// </summary>
    public void BecomeSecondary(string reason)
    {
        lock (store.WriteLock)
        {
            bool wasPrimary = _role == ReplicationRole.Primary;
            if (wasPrimary)
            {
                _hasHistoryToContinue = log.EndOffset > 0 || store.PhysicalCount > 0;
            }

            _role = ReplicationRole.Secondary;
            Volatile.Write(ref _upstream, []); // until the new primary says who is upstream; never a stale chain
            store.Follow();
            backlog.Following();
            if (wasPrimary)
            {
                log.DetachAll(reason);
            }

            // Asynchronously: the waits it ends must not resume on this thread while it holds the write lock.
            _ = _primaryTerm.CancelAsync();
        }
    }

    /// <summary>
    /// FAILOVER's step down: <see cref="BecomeSecondary"/> only if <paramref name="mayStepDown"/> holds, checked under
    /// the write lock — so no write can land between the check (the target has acknowledged the whole log) and the
    /// moment this node stops accepting writes.
    /// </summary>
    public bool BecomeSecondaryIf(Func<bool> mayStepDown, string reason)
    {
        lock (store.WriteLock)
        {
            if (_role != ReplicationRole.Primary || !mayStepDown())
            {
                return false;
            }

            BecomeSecondary(reason);
            return true;
        }
    }

    /// <summary>
    /// REPLICAOF NO ONE on a secondary. PSYNC2: a new history starts here; the old id stays valid up to this offset,
    /// so former siblings and this node's own secondaries continue with partial resyncs.
    /// </summary>
    /// <remarks>
    /// A node promoted in the middle of a full resync has dropped what it loaded aside (its link ends first) and holds
    /// its old dataset and history, which it shifts as any promoted secondary does — Redis keeps the old dataset and
    /// its history likewise when the load has not completed. A node that never completed a sync has no history to
    /// shift: it must not claim one a sibling could continue from while holding nothing of it, so it starts an
    /// unrelated history, and whoever follows it full-syncs what it holds.
    /// </remarks>
    /// <returns>False when this node already was a primary (nothing changes).</returns>
    public bool BecomePrimary()
    {
        lock (store.WriteLock)
        {
            if (_role == ReplicationRole.Primary)
            {
                return false;
            }

            Volatile.Write(ref _history, _hasHistoryToContinue ? History.Shift(ReplicationIds.NewId(), log.EndOffset) : ReplicationHistory.New());
            Volatile.Write(ref _upstream, []);
            Volatile.Write(ref _primaryTerm, new CancellationTokenSource());
            _role = ReplicationRole.Primary;
            store.Lead(appender);
            log.DetachAll("this node was promoted to primary; reconnect to learn its new replication id");
            backlog.Leading(keepHistory: false); // kept as a secondary; the TTL counts from the promotion
            return true;
        }
    }

    /// <summary>
    /// What a secondary asks its primary for: (replication id, next offset), or ("?", -1) for a full resync. After a
    /// full resync that failed, still the history held before it: the sync loaded aside and changed nothing here.
    /// </summary>
    public (string Id, long Offset) PsyncRequest()
    {
        lock (store.WriteLock)
        {
            return _hasHistoryToContinue ? (History.Id, log.EndOffset) : ("?", -1);
        }
    }

    /// <summary>
    /// A full resync's snapshot is complete: <paramref name="swapIn"/> makes the data and log loaded aside the node's,
    /// and the node adopts its primary's history, <paramref name="replicationId"/>, all under one hold of the write
    /// lock, so no write and no reader holding the lock sees the new data with the old history or the reverse.
    /// </summary>
    /// <remarks>
    /// Until here the node kept its old data, log and history (Redis keeps its cached master until the RDB is loaded,
    /// PR #9398): a full sync that fails leaves it able to continue the old history with a partial resync. For
    /// lock-free readers (<see cref="AppliedPositions.HasApplied"/>) <see cref="HoldsLogEnd"/> is cleared before the
    /// swap and set again after the new history is published, so a log end of the new history is never read as
    /// complete in the old one.
    /// </remarks>
    public void CompleteFullResync(string replicationId, Action swapIn)
    {
        lock (store.WriteLock)
        {
            Volatile.Write(ref _hasHistoryToContinue, false);
            swapIn();
            Volatile.Write(ref _history, new ReplicationHistory(replicationId, ReplicationInfo.NoReplicationId, -1));
            // Released after the snapshot's entries and the history: a lock-free reader that sees it sees them.
            Volatile.Write(ref _hasHistoryToContinue, true);
        }
    }

    /// <summary>The primary answered CONTINUE with <paramref name="replicationId"/>.</summary>
    public void AdoptContinue(string replicationId)
    {
        lock (store.WriteLock)
        {
            _hasHistoryToContinue = true;
            if (replicationId != History.Id)
            {
                // The primary was promoted (or is a new primary sharing our history): shift as Redis's replica
                // does, and make our sub-replicas reconnect so they learn the new id too.
                Volatile.Write(ref _history, History.Shift(replicationId, log.EndOffset));
                log.DetachAll("this node's primary changed its replication id");
            }
        }
    }

    /// <summary>
    /// A snapshot was loaded at <paramref name="offset"/> of <paramref name="replicationId"/>. As Redis 7 does with the
    /// id and offset in its RDB, a node that will be a primary takes a new replication id and keeps the saved one as
    /// id2 up to the saved offset, so its secondaries resync partially; a node that will be a secondary keeps the
    /// saved id and offset and asks its primary to continue from there. Caller holds the store's write lock.
    /// </summary>
    public void AdoptSnapshot(string replicationId, long offset, bool asPrimary)
    {
        if (asPrimary)
        {
            Volatile.Write(ref _history, new ReplicationHistory(ReplicationIds.NewId(), replicationId, offset + 1));
            backlog.Leading(keepHistory: true); // as Redis keeps its backlog after loading an RDB with replication info
        }
        else
        {
            Volatile.Write(ref _history, new ReplicationHistory(replicationId, ReplicationInfo.NoReplicationId, -1));
            _hasHistoryToContinue = true;
        }
    }

    public void SetUpstream(IEnumerable<string> upstream) => Volatile.Write(ref _upstream, [.. upstream]);
}
