using static System.FormattableString;
using System.Text;

namespace ReplCache;

/// <summary>A snapshot of a node's replication figures, with Redis's <c>INFO replication</c> field names.</summary>
public sealed record ReplicationInfo
{
    /// <summary>The 40-zero id Redis shows when there is no second replication id.</summary>
    public const string NoReplicationId = "0000000000000000000000000000000000000000";

    /// <summary><c>role</c>.</summary>
    public required ReplicationRole Role { get; init; }

    /// <summary>This node's id (Redis's <c>run_id</c>).</summary>
    public required string NodeId { get; init; }

    /// <summary><c>master_replid</c>: the id of the history this node's data belongs to (40 hex chars).</summary>
    public required string ReplicationId { get; init; }

    /// <summary><c>master_replid2</c>: the id of the history before the last promotion (40 zeros when none).</summary>
    public required string ReplicationId2 { get; init; }

    /// <summary><c>master_repl_offset</c>: bytes of replication stream produced (on a secondary: applied).</summary>
    public required long Offset { get; init; }

    /// <summary><c>second_repl_offset</c>: up to which offset <see cref="ReplicationId2"/> is valid (-1 when none).</summary>
    public required long SecondOffset { get; init; }

    /// <summary>The address this node's replication service is reached at (its listener, or AnnounceAddress); null when unknown.</summary>
    public Uri? Address { get; init; }

    /// <summary>The primary a secondary follows (<c>master_host</c>/<c>master_port</c>); null on a primary.</summary>
    public Uri? PrimaryAddress { get; init; }

    /// <summary><c>master_link_status</c>, in more detail.</summary>
    public required PrimaryLinkStatus LinkStatus { get; init; }

    /// <summary>Directly connected secondaries (<c>slaveN</c>).</summary>
    public required IReadOnlyList<ReplicaInfo> Replicas { get; init; }

    /// <summary>
    /// <c>repl_backlog_active</c>: whether this node keeps a backlog — a secondary always, a primary from its first
    /// secondary until <see cref="ReplicatedCacheOptions.BacklogTtl"/> after its last one left.
    /// </summary>
    public bool BacklogActive { get; init; }

    /// <summary><c>repl_backlog_size</c>: the configured backlog capacity in bytes.</summary>
    public required long BacklogSize { get; init; }

    /// <summary><c>repl_backlog_first_byte_offset</c>: the oldest offset still in the backlog.</summary>
    public required long BacklogFirstOffset { get; init; }

    /// <summary><c>repl_backlog_histlen</c>: bytes of history the backlog holds.</summary>
    public required long BacklogLength { get; init; }

    /// <summary><c>sync_full</c>: full resyncs this node has served.</summary>
    public required long FullSyncs { get; init; }

    /// <summary><c>sync_partial_ok</c>: partial resyncs this node has accepted.</summary>
    public required long PartialSyncsAccepted { get; init; }

    /// <summary><c>sync_partial_err</c>: partial resyncs this node has refused (and answered with a full one).</summary>
    public required long PartialSyncsRejected { get; init; }

    /// <summary><c>master_last_io_seconds_ago</c>: time since the secondary last heard from its primary; null when no link.</summary>
    public TimeSpan? PrimaryLastIoAgo { get; init; }

    /// <summary><c>master_link_down_since_seconds</c>: how long the link has been down; null while up or on a primary.</summary>
    public TimeSpan? LinkDownFor { get; init; }

    /// <summary>Why the link last went down, in words; null when it never did.</summary>
    public string? LinkDownReason { get; init; }

    /// <summary>
    /// Whether writes through the cache API on this secondary are refused (false with <see cref="ReplicaWriteMode.ForwardToPrimary"/>).
    /// INFO's <c>slave_read_only</c> is always 1: writes from Redis clients are refused on every secondary.
    /// </summary>
    public bool ReplicaReadOnly { get; init; } = true;

    /// <summary><c>replica_announced</c>: <see cref="ReplicatedCacheOptions.ReplicaAnnounced"/> (Sentinel hides a secondary that says 0).</summary>
    public bool ReplicaAnnounced { get; init; } = true;

    /// <summary><c>master_failover_state</c>: where a coordinated FAILOVER started on this node is.</summary>
    public FailoverState FailoverState { get; init; }

    /// <summary><c>slave_priority</c>: <see cref="ReplicatedCacheOptions.ReplicaPriority"/> (Sentinel never promotes 0).</summary>
    public int ReplicaPriority { get; init; } = 100;

    /// <summary>The <c># Replication</c> section of Redis's <c>INFO</c>, with the same field names, lines ending in CRLF.</summary>
    public string ToInfoString()
    {
        var text = new StringBuilder(512);
        Line(text, "# Replication");
        if (Role == ReplicationRole.Primary)
        {
            Line(text, "role:master");
        }
        else
        {
            Line(text, "role:slave");
            // DnsSafeHost: an IPv6 primary without brackets, as Redis prints the REPLICAOF argument (Sentinel compares it).
            Line(text, Invariant($"master_host:{PrimaryAddress?.DnsSafeHost}"));
            Line(text, Invariant($"master_port:{PrimaryAddress?.Port}"));
            Line(text, Invariant($"master_link_status:{(LinkStatus == PrimaryLinkStatus.Up ? "up" : "down")}"));
            Line(text, Invariant($"master_last_io_seconds_ago:{(PrimaryLastIoAgo is { } io ? Seconds(io) : -1)}"));
            Line(text, Invariant($"master_sync_in_progress:{(LinkStatus == PrimaryLinkStatus.Syncing ? 1 : 0)}"));
            Line(text, Invariant($"slave_read_repl_offset:{Offset}"));
            Line(text, Invariant($"slave_repl_offset:{Offset}"));
            if (LinkDownFor is { } down)
            {
                Line(text, Invariant($"master_link_down_since_seconds:{Seconds(down)}"));
            }

            Line(text, Invariant($"slave_priority:{ReplicaPriority}"));
            Line(text, "slave_read_only:1"); // to Redis clients, always: ForwardToPrimary forwards only the cache API's writes
            Line(text, ReplicaAnnounced ? "replica_announced:1" : "replica_announced:0");
        }

        Line(text, Invariant($"connected_slaves:{Replicas.Count}"));
        for (int i = 0; i < Replicas.Count; i++)
        {
            ReplicaInfo replica = Replicas[i];
            // Sentinel connects to ip:port with RESP, so both are the secondary's RESP endpoint (Redis's slave_addr
            // or peer address, and its REPLCONF listening-port).
            Line(text, Invariant($"slave{i}:ip={replica.ShownIp},port={replica.ShownPort},state={replica.State},offset={replica.AckedOffset},lag={Seconds(replica.Lag)}"));
        }

        Line(text, "master_failover_state:" + FailoverState switch
        {
            FailoverState.WaitingForSync => "waiting-for-sync",
            FailoverState.InProgress => "failover-in-progress",
            _ => "no-failover",
        });
        Line(text, Invariant($"master_replid:{ReplicationId}"));
        Line(text, Invariant($"master_replid2:{ReplicationId2}"));
        Line(text, Invariant($"master_repl_offset:{Offset}"));
        Line(text, Invariant($"second_repl_offset:{SecondOffset}"));
        Line(text, BacklogActive ? "repl_backlog_active:1" : "repl_backlog_active:0");
        Line(text, Invariant($"repl_backlog_size:{BacklogSize}"));
        Line(text, Invariant($"repl_backlog_first_byte_offset:{BacklogFirstOffset}"));
        Line(text, Invariant($"repl_backlog_histlen:{BacklogLength}"));
        return text.ToString();
    }

    private static long Seconds(TimeSpan span) => (long)Math.Floor(span.TotalSeconds);

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");
}
