namespace ReplCache;

/// <summary>Settings of one ReplCache node. Validated when the node starts; a bad value names the setting.</summary>
public sealed class ReplicatedCacheOptions
{
    /// <summary>Default of <see cref="BacklogSizeBytes"/>: 16 MiB (Redis defaults to 1 MiB; a larger backlog turns more reconnects into partial resyncs).</summary>
    public const long DefaultBacklogSizeBytes = 16L * 1024 * 1024;

    /// <summary>The smallest backlog accepted, as Redis's own floor for <c>repl-backlog-size</c>.</summary>
    public const long MinBacklogSizeBytes = 16 * 1024;

    /// <summary>
    /// Default of <see cref="MaxKeyBytes"/>: 64 KiB. Cache keys are names, rarely longer than a few hundred bytes;
    /// 64 KiB leaves room for keys built from URLs or query strings while keeping a key small beside the cost of
    /// hashing and comparing it (Redis allows 512 MB keys, which no cache needs and any peer could abuse).
    /// </summary>
    public const int DefaultMaxKeyBytes = 64 * 1024;

    /// <summary>
    /// Default of <see cref="MaxValueBytes"/>: 64 MiB. Large enough for any payload that belongs in a cache (rendered
    /// pages, serialized object graphs), small enough that one value never dominates a node's memory or a secondary's
    /// full sync, and well under Redis's <c>proto-max-bulk-len</c> (512 MB).
    /// </summary>
    public const int DefaultMaxValueBytes = 64 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxKeyBytes"/> accepted: 16 MiB.</summary>
    public const int MaxKeyBytesCeiling = 16 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxValueBytes"/> accepted: 512 MiB, Redis's <c>proto-max-bulk-len</c>.</summary>
    public const int MaxValueBytesCeiling = 512 * 1024 * 1024;

    /// <summary>
    /// This node's stable identity (letters, digits, '.', '-', '_'; at most 64 characters). Null: a random
    /// 40-hex-digit id, like Redis's run id.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// Where the node's own replication listener binds, e.g. <c>http://127.0.0.1:0</c> (h2c, HTTP/2 only; port 0
    /// picks a free port), or <c>https://127.0.0.1:0</c> for TLS (see <see cref="Tls"/>). Null when the app maps the service itself with <c>MapReplicatedCache</c>.
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>The address secondaries and operators should use to reach this node, when it differs from <see cref="Listen"/>.</summary>
    public Uri? AnnounceAddress { get; set; }

    /// <summary>The primary to replicate from. Null: the node starts as a primary.</summary>
    public Uri? PrimaryAddress { get; set; }

    /// <summary>Bytes of recent replication stream kept for partial resyncs (Redis's <c>repl-backlog-size</c>).</summary>
    public long BacklogSizeBytes { get; set; } = DefaultBacklogSizeBytes;

    /// <summary>Default of <see cref="BacklogTtl"/>: one hour, as Redis's <c>repl-backlog-ttl</c>.</summary>
    public static readonly TimeSpan DefaultBacklogTtl = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a primary keeps its backlog once no secondary is connected (Redis's <c>repl-backlog-ttl</c>); then it
    /// frees it, and a secondary that reconnects behind the primary's end resyncs in full. A primary keeps no backlog
    /// before its first secondary attaches; a secondary always keeps one, to serve partial resyncs once promoted.
    /// <see cref="TimeSpan.Zero"/>: never freed. Default 1 hour; whole seconds, as Redis counts it.
    /// </summary>
    public TimeSpan BacklogTtl { get; set; } = DefaultBacklogTtl;

    /// <summary>
    /// How far (bytes of stream) a connected secondary may fall behind before its primary drops it and it must
    /// resync — Redis's <c>client-output-buffer-limit replica</c>. This, not the backlog, bounds the memory a slow
    /// or stalled secondary can make its primary hold. A limit below <see cref="BacklogSizeBytes"/> counts as the
    /// backlog's size, as in Redis: a partial resync may start that far behind. Default 256 MiB.
    /// </summary>
    public long ReplicaOutputLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>What a secondary does with writes made on it. Default <see cref="ReplicaWriteMode.Reject"/>.</summary>
    public ReplicaWriteMode ReplicaWrites { get; set; } = ReplicaWriteMode.Reject;

    /// <summary>Default of <see cref="ForwardedWriteTimeout"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultForwardedWriteTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With <see cref="ReplicaWriteMode.ForwardToPrimary"/>: the longest a forwarded write may take, from the call
    /// until this node has applied the primary's result (waiting for room in the forwarding queue included). Past
    /// it the call throws <see cref="TimeoutException"/>; the write may still be applied on the primary. Default 5 s.
    /// </summary>
    public TimeSpan ForwardedWriteTimeout { get; set; } = DefaultForwardedWriteTimeout;

    /// <summary>
    /// Whether a secondary serves reads while its link is down (Redis's <c>replica-serve-stale-data</c>). When
    /// false, reads throw <see cref="PrimaryLinkDownException"/> until the link is up. Default true.
    /// </summary>
    public bool ServeStaleData { get; set; } = true;

    /// <summary>
    /// Redis's <c>replica-priority</c>, reported in INFO as <c>slave_priority</c>: Redis Sentinel promotes the
    /// secondary with the lowest value first, and never one with 0. Default 100, as Redis.
    /// </summary>
    public int ReplicaPriority { get; set; } = 100;

    /// <summary>
    /// Redis's <c>replica-announced</c>, INFO's <c>replica_announced</c>: false keeps this secondary out of Sentinel's
    /// <c>SENTINEL replicas</c> answer (clients that discover replicas through Sentinel do not see it), while Sentinel
    /// still monitors and may reconfigure it. Default true.
    /// </summary>
    public bool ReplicaAnnounced { get; set; } = true;

    /// <summary>
    /// The Redis Sentinels that decide this group's primary (see <see cref="ReplicatedCacheSentinelOptions"/>); never
    /// null. With endpoints set, <see cref="PrimaryAddress"/> stays null and <see cref="RespListen"/> must share
    /// <see cref="Listen"/>'s port (or <see cref="AnnounceAddress"/> say where), since Sentinel reaches nodes there.
    /// </summary>
    public ReplicatedCacheSentinelOptions Sentinel { get; set; } = new();

    /// <summary>A primary refuses writes with fewer good secondaries than this (Redis's <c>min-replicas-to-write</c>). Default 0: never.</summary>
    public int MinReplicasToWrite { get; set; }

    /// <summary>A secondary counts as good while it acknowledged within this time (Redis's <c>min-replicas-max-lag</c>). Default 10 s.</summary>
    public TimeSpan MinReplicasMaxLag { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle link carries a heartbeat and an acknowledgement. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Either side drops a link that has been silent this long (Redis's <c>repl-timeout</c>). Default 60 s.</summary>
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A shared secret every peer must present (Redis's <c>requirepass</c>/<c>masterauth</c>). Null: none. It may change
    /// on a running node — <c>CONFIG SET requirepass</c>, or a configuration reload under <c>AddReplicatedCache</c> — without
    /// dropping a link: established links and authenticated clients stay, new ones present the new token, and the
    /// previous one is still accepted for <see cref="AuthTokenGracePeriod"/>.
    /// </summary>
    public string? AuthToken { get; set; }

    /// <summary>Default of <see cref="AuthTokenGracePeriod"/>: 60 s.</summary>
    public static readonly TimeSpan DefaultAuthTokenGracePeriod = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After <see cref="AuthToken"/> changes on a running node, how long the previous token is still accepted from
    /// peers and Redis clients, so the nodes of a group can take the new one one after another (a secondary that
    /// reconnects meanwhile presents whichever it has). Zero: the old token stops working at once. Turning
    /// authentication on or off has no grace. Default 60 s; at most 1 day.
    /// </summary>
    public TimeSpan AuthTokenGracePeriod { get; set; } = DefaultAuthTokenGracePeriod;

    /// <summary>
    /// Where the node persists its store (saved on <c>StopAsync</c> and by <c>SaveAsync</c>, loaded at start).
    /// Null: memory only.
    /// </summary>
    public string? SnapshotPath { get; set; }

    /// <summary>
    /// Saves on a schedule, as Redis's <c>save &lt;seconds&gt; &lt;changes&gt;</c>: once this much time has passed since the
    /// last save and at least <see cref="SnapshotMinChanges"/> changes were made meanwhile. Null: no save point from
    /// this pair (see <see cref="SnapshotSavePoints"/> for several).
    /// </summary>
    public TimeSpan? SnapshotInterval { get; set; }

    /// <summary>
    /// Further save points, as several pairs of Redis's <c>save</c> (e.g. <see cref="SnapshotSavePoint.RedisDefaults"/>).
    /// A scheduled save runs as soon as any point is satisfied — these and the
    /// <see cref="SnapshotInterval"/>/<see cref="SnapshotMinChanges"/> pair when it is set. Default: empty.
    /// </summary>
    public IList<SnapshotSavePoint> SnapshotSavePoints { get; set; } = [];

    /// <summary>
    /// Whether a graceful stop saves the store to <see cref="SnapshotPath"/>. Default true. False matches a Redis
    /// server with no save points (<c>save ""</c>): the file is still loaded at start and written by an explicit save.
    /// </summary>
    public bool SaveOnStop { get; set; } = true;

    /// <summary>The changes a scheduled save waits for (see <see cref="SnapshotInterval"/>). Default 1.</summary>
    public long SnapshotMinChanges { get; set; } = 1;

    /// <summary>
    /// Whether a secondary holding data follows a primary that has just restarted empty with an unrelated history
    /// (Redis's best-known replication trap: the full resync wipes every secondary). False (default): the secondary
    /// keeps its data, reports the situation in <c>GetInfo()</c> and the log, and waits; calling
    /// <c>ReplicaOfAsync</c> with the same primary again accepts the empty dataset once. True: follow at once, as Redis does.
    /// </summary>
    public bool AcceptEmptyPrimary { get; set; }

    /// <summary>
    /// Whether this node's links run on threads of the library's own, so that a host blocking its thread pool does not
    /// stall replication (README, "Links that a starved thread pool does not stop"). True (default): its own listener
    /// (<see cref="Listen"/>) serves links over HTTP/1.1 (gRPC-Web) on an owned-thread transport beside HTTP/2, and as a
    /// secondary it links so (falling back to Sync over HTTP/2 where the primary does not serve it, as an app's own
    /// endpoint mapped by <c>MapReplicatedCache</c> does not). The cost: every connection to the listener holds two
    /// parked threads (a secondary's link, a forwarded write's, a RESP client's where <see cref="RespListen"/> shares the port), and an
    /// acknowledgement still completes through the pool, so a starvation longer than <see cref="ReplicationTimeout"/>
    /// can still drop a secondary for silence. False: Kestrel's socket transport and Sync over HTTP/2, which the host's
    /// pool carries (replcache-server's choice: it is its own host, and serves many RESP clients).
    /// </summary>
    public bool ThreadPoolIndependentLinks { get; set; } = true;

    /// <summary>
    /// Whether the Redis-protocol endpoint is served from an event loop of the library's own on Linux (x64, arm64):
    /// one thread waiting in epoll for all its clients and serving each request inline, as redis-server does, instead
    /// of Kestrel's socket transport, which hands each request from its epoll thread to the thread pool (README,
    /// "The RESP port's event loop"). True (default): a <see cref="RespListen"/> of its own gets the loop; a RESP port
    /// shared with <see cref="Listen"/> gets it when <see cref="ThreadPoolIndependentLinks"/> is false (the links on
    /// that port then pass through the loop too; with it true, that port stays on the owned-thread transport). False,
    /// or on other systems: Kestrel's socket transport.
    /// </summary>
    public bool RespEventLoop { get; set; } = true;

    /// <summary>
    /// When the snapshot file cannot be loaded (truncated, corrupt, unknown version): false (default) stops
    /// start-up with an error naming the file; true starts empty after moving the bad file aside (it is kept,
    /// never overwritten) and logging loudly.
    /// </summary>
    public bool StartEmptyOnBadSnapshot { get; set; }

    /// <summary>
    /// An upper bound on the bytes entries may occupy; beyond it, entries are evicted by approximated LRU.
    /// Null: unbounded. The accounting counts each entry's key, value and about 80 bytes of bookkeeping.
    /// </summary>
    public long? SizeLimitBytes { get; set; }

    /// <summary>
    /// The longest key, in UTF-8 bytes, the node stores or accepts from any peer: the public API throws
    /// <see cref="ArgumentException"/>, the Redis-protocol endpoint answers an error, and a primary or snapshot file
    /// holding a longer key is refused. Use the same value on every node of a replication group. Default 64 KiB.
    /// </summary>
    public int MaxKeyBytes { get; set; } = DefaultMaxKeyBytes;

    /// <summary>
    /// The largest value, in bytes, the node stores or accepts from any peer (see <see cref="MaxKeyBytes"/>). It also
    /// sets the replication endpoint's gRPC message size limits, so no peer can make a node allocate more than one
    /// entry's worth per message. Use the same value on every node of a replication group. Default 64 MiB.
    /// </summary>
    public int MaxValueBytes { get; set; } = DefaultMaxValueBytes;

    /// <summary>
    /// Redis's <c>protected-mode</c>: when no <see cref="AuthToken"/> is set, the Redis-protocol endpoint refuses
    /// clients that are not on a loopback address (with Redis's <c>-DENIED</c> error), and a node listening on a
    /// non-loopback address warns loudly at start. Default true; set false only on a network you trust.
    /// </summary>
    public bool ProtectedMode { get; set; } = true;

    /// <summary>
    /// Whether each command served on the Redis-protocol endpoint is a span on the <c>ReplCache</c> activity source
    /// (named by the command, as OpenTelemetry names database spans). Default false: a busy endpoint serves far more
    /// commands than anyone wants spans of, and the replication work around them is traced anyway.
    /// </summary>
    public bool TraceRespCommands { get; set; }

    /// <summary>Where a Redis-protocol endpoint listens, e.g. <c>127.0.0.1:6379</c>. Null: none.</summary>
    public string? RespListen { get; set; }

    /// <summary>
    /// TLS: the node's certificate, trusted authorities, mutual TLS. Used by an <c>https://</c> <see cref="Listen"/>
    /// or <see cref="PrimaryAddress"/>, and by the Redis-protocol endpoint per <see cref="ReplicatedCacheTlsOptions.RespTls"/>.
    /// </summary>
    public ReplicatedCacheTlsOptions Tls { get; set; } = new();

    /// <summary>The clock behind every expiry. Default <see cref="TimeProvider.System"/>; tests pass a fake.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
