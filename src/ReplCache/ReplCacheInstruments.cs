namespace ReplCache;

/// <summary>
/// The names ReplCache publishes its figures under, for dashboards and <c>MeterListener</c>s: one meter,
/// <see cref="MeterName"/>, tagged with the node id; instruments named <c>replcache.*</c> in OpenTelemetry style.
/// </summary>
public static class ReplCacheInstruments
{
    /// <summary>The meter every node's instruments live on.</summary>
    public const string MeterName = "ReplCache";

    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> of ReplCache's spans (OpenTelemetry: <c>AddSource("ReplCache")</c>):
    /// remote work only — syncs, snapshots, forwarded writes, topology changes, and RESP commands when
    /// <see cref="ReplicatedCacheOptions.TraceRespCommands"/> asks for them. Local reads and writes have none. Span names
    /// are <see cref="ReplCacheSpans"/>'s.
    /// </summary>
    public const string ActivitySourceName = "ReplCache";

    /// <summary>Meter tag: the node's id (<see cref="ReplicationInfo.NodeId"/>).</summary>
    public const string NodeTag = "replcache.node.id";

    /// <summary>
    /// Meter tag: the name of the cache group a node belongs to, for the caches <c>AddKeyedReplicatedCache</c> registers
    /// (the service key's text); absent on the unkeyed cache and on standalone nodes.
    /// </summary>
    public const string CacheNameTag = "replcache.cache.name";

    /// <summary>Tag of <see cref="Requests"/> (hit, miss) and <see cref="Syncs"/> (accepted, rejected).</summary>
    public const string ResultTag = "result";

    /// <summary>Tag of <see cref="Syncs"/>: full or partial.</summary>
    public const string KindTag = "kind";

    /// <summary>Tag of the per-replica instruments: the secondary's node id.</summary>
    public const string ReplicaTag = "replcache.replica.id";

    /// <summary>Tag of <see cref="LinkState"/>: none, connecting, syncing, up, down.</summary>
    public const string StateTag = "state";

    /// <summary>Counter: cache reads, tagged <c>result</c> = hit | miss.</summary>
    public const string Requests = "replcache.cache.requests";

    /// <summary>Up-down counter: entries held.</summary>
    public const string Entries = "replcache.cache.entries";

    /// <summary>Up-down counter: estimated bytes held by entries.</summary>
    public const string Size = "replcache.cache.size";

    /// <summary>Counter: entries evicted by the memory bound.</summary>
    public const string Evictions = "replcache.cache.evictions";

    /// <summary>Counter: entries removed because their deadline passed.</summary>
    public const string Expirations = "replcache.cache.expirations";

    /// <summary>Gauge (bytes): the node's replication offset.</summary>
    public const string Offset = "replcache.replication.offset";

    /// <summary>Gauge (bytes): each connected secondary's distance behind this node, tagged with its id.</summary>
    public const string ReplicaLag = "replcache.replication.replica.lag";

    /// <summary>Gauge (seconds): time since each connected secondary was last heard from, tagged with its id.</summary>
    public const string ReplicaLagTime = "replcache.replication.replica.lag_time";

    /// <summary>Counter: resyncs served, tagged <c>kind</c> = full | partial and, for partial, <c>result</c> = accepted | rejected.</summary>
    public const string Syncs = "replcache.replication.syncs";

    /// <summary>Counter (bytes): replication payload sent to secondaries.</summary>
    public const string Sent = "replcache.replication.sent";

    /// <summary>Counter (bytes): replication payload received from the primary.</summary>
    public const string Received = "replcache.replication.received";

    /// <summary>Gauge: 1 for the link state the node is in, 0 for the others, tagged <c>state</c>.</summary>
    public const string LinkState = "replcache.replication.link.state";
}
