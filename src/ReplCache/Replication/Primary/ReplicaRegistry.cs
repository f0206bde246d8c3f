using ReplCache.Backlog;

namespace ReplCache.Replication.Primary;

/// <summary>
/// The secondaries connected to this node: who they are, how far each has acknowledged, and the figures Redis keeps
/// about them — good replicas for min-replicas-to-write, WAIT, the drain before a stop, syncs served, bytes sent.
/// </summary>
internal sealed partial class ReplicaRegistry(ReplicatedCacheOptions options, ReplicationLog log, BacklogRetention backlog) : IGoodReplicaCount
{
    private readonly Lock _gate = new();
    private readonly List<ConnectedReplica> _replicas = [];

    /// <summary>Set by every acknowledgement and every departure: what WAIT and the drain wake on.</summary>
    private readonly AsyncSignal _acknowledged = new();
    private long _fullSyncs;
    private long _partialSyncsAccepted;
    private long _partialSyncsRejected;
    private long _bytesSentToDeparted;

    public ConnectedReplica[] Connected()
    {
        lock (_gate)
        {
            return [.. _replicas];
        }
    }

    /// <summary>Replication payload bytes sent to secondaries, those gone included.</summary>
    public long BytesSent
    {
        get
        {
            lock (_gate)
            {
                long sent = _bytesSentToDeparted;
                foreach (ConnectedReplica replica in _replicas)
                {
                    sent += replica.BytesSent;
                }

                return sent;
            }
        }
    }

    /// <summary>Full resyncs served (Redis's <c>sync_full</c>).</summary>
    public long FullSyncs => Interlocked.Read(ref _fullSyncs);

    /// <summary>Partial resyncs accepted (<c>sync_partial_ok</c>).</summary>
    public long PartialSyncsAccepted => Interlocked.Read(ref _partialSyncsAccepted);

    /// <summary>Partial resyncs asked for and refused (<c>sync_partial_err</c>).</summary>
    public long PartialSyncsRejected => Interlocked.Read(ref _partialSyncsRejected);

    public void Add(ConnectedReplica replica)
    {
        lock (_gate)
        {
            _replicas.Add(replica);
        }

        backlog.SecondaryAttached();
    }

    public void Remove(ConnectedReplica replica)
    {
        bool removed;
        lock (_gate)
        {
            removed = _replicas.Remove(replica);
            if (removed)
            {
                _bytesSentToDeparted += replica.BytesSent;
            }
        }

        if (removed)
        {
            backlog.SecondaryDetached();
        }

        _acknowledged.Set();
    }

    /// <summary>A secondary acknowledged an offset: wakes whoever waits for acknowledgements.</summary>
    public void Acknowledged() => _acknowledged.Set();

    /// <summary>Completes at the next acknowledgement or departure; re-check the condition after taking it.</summary>
    public Task NextAcknowledgementAsync() => _acknowledged.WaitAsync();

    public void CountSync(bool full, bool askedForPartial)
    {
        if (full)
        {
            Interlocked.Increment(ref _fullSyncs);
            if (askedForPartial)
            {
                Interlocked.Increment(ref _partialSyncsRejected);
            }
        }
        else
        {
            Interlocked.Increment(ref _partialSyncsAccepted);
        }
    }

    /// <inheritdoc />
    public int CountGoodReplicas()
    {
        int good = 0;
        lock (_gate)
        {
            foreach (ConnectedReplica replica in _replicas)
            {
                if (replica.State == ReplicaSyncState.Online && replica.AckedOffset >= 0 && replica.SinceLastHeard <= options.MinReplicasMaxLag)
                {
                    good++;
                }
            }
        }

        return good;
    }

    /// <summary>Drops every connected secondary (the node is stopping).</summary>
    public void DisconnectAll()
    {
        foreach (ConnectedReplica replica in Connected())
        {
            replica.Disconnect();
        }
    }

    private int CountAcknowledged(long offset)
    {
        int count = 0;
        foreach (ConnectedReplica replica in Connected())
        {
            if (replica.AckedOffset >= offset)
            {
                count++;
            }
        }

        return count;
    }
}
