namespace ReplCache;

/// <summary>
/// The names of the spans on <see cref="ReplCacheInstruments.ActivitySourceName"/>, for samplers and filters. Every
/// span carries <see cref="ReplCacheInstruments.NodeTag"/> and OpenTelemetry's <c>db.system.name</c> (<c>replcache</c>);
/// those about a peer carry <c>server.address</c>/<c>server.port</c> (the primary, seen from a secondary) or
/// <c>client.address</c> (the secondary, seen from its primary); a failed one has status Error and <c>error.type</c>.
/// With <see cref="ReplicatedCacheOptions.TraceRespCommands"/>, each RESP command is a span named by the command
/// (GET, SET, ...: <c>db.operation.name</c>).
/// </summary>
public static class ReplCacheSpans
{
    /// <summary>Primary: a full sync served to one secondary, from its handshake to the end of the snapshot.</summary>
    public const string FullSyncServe = "replcache.sync.full.serve";

    /// <summary>Secondary: a full sync received, from connecting to the primary to the snapshot loaded.</summary>
    public const string FullSyncReceive = "replcache.sync.full.receive";

    /// <summary>Primary: a partial resync served, from the handshake to the requested backlog sent.</summary>
    public const string PartialSyncServe = "replcache.sync.partial.serve";

    /// <summary>Secondary: a partial resync, from connecting to the primary to its Continue.</summary>
    public const string PartialSyncReceive = "replcache.sync.partial.receive";

    /// <summary>The store saved to the snapshot file (SAVE, BGSAVE, the schedule, a stop).</summary>
    public const string SnapshotSave = "replcache.snapshot.save";

    /// <summary>The snapshot file loaded at start.</summary>
    public const string SnapshotLoad = "replcache.snapshot.load";

    /// <summary>Secondary: one batch of forwarded writes sent to the primary (<c>replcache.forward.writes</c>: how many).</summary>
    public const string ForwardBatch = "replcache.forward.batch";

    /// <summary>REPLICAOF host port: this node starts following a primary.</summary>
    public const string ReplicaOf = "replcache.replicaof";

    /// <summary>REPLICAOF NO ONE: this node becomes a primary.</summary>
    public const string Promote = "replcache.promote";

    /// <summary>FAILOVER on a primary: pause, catch the target up, hand it the primary role.</summary>
    public const string Failover = "replcache.failover";
}
