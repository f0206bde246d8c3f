using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Diagnostics;
using ReplCache.Backlog;
using ReplCache.Persistence;
using ReplCache.Protocol;
using ReplCache.Replication;
using ReplCache.Replication.Primary;
using ReplCache.Replication.Secondary;
using ReplCache.Resp;
using ReplCache.Storage;
using ReplCache.Tls;

namespace ReplCache.Hosting;

/// <summary>
/// The core of one node: builds its parts, hands each the narrow pieces it uses, and owns its start and stop —
/// written here once for every door (<see cref="ReplicatedCacheNode"/>, <c>AddReplicatedCache</c> with or without
/// <c>Listen</c>, <c>MapReplicatedCache</c>).
/// </summary>
/// <remarks>
/// <code>
///   CacheStore ── LogAppender ──▶ ReplicationLog          (the primary's changes, in store order)
///   ReplicationState (role, history, upstream) ◀── every part that logs or decides by role
///   ReplicaRegistry  (connected secondaries, WAIT, drain)  ◀── SyncServer ◀── ReplicationGrpcService
///   LinkSupervisor   (REPLICAOF, PrimaryLink, forwarding)  = IUpstreamLink for the rest
///   AccessGate, WriteRoute, ForwardedWriteApplier          (the write path: ReplicatedCache and forwarded writes)
///   FailoverCoordinator (FAILOVER: pause, catch up, hand over; both sides, so composed here)
///   SnapshotPersistence, SnapshotSchedule                  (the snapshot file)
///   RespServer                                             (the Redis-protocol door)
/// </code>
/// </remarks>
internal sealed partial class NodeCore : IAsyncDisposable, IDisposable
{
    /// <summary>How long a stopping primary waits for its secondaries to acknowledge everything it wrote, at most.</summary>
    public static readonly TimeSpan DefaultStopDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SnapshotSchedule _schedule;
    private ReplicationListener? _listener;
    private RespListener? _respListener;
    private int _started;
    private volatile bool _hasStarted;
    private int _stopRequested;
    private int _disposed;

    public NodeCore(ReplicatedCacheOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, string? cacheName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        CacheName = cacheName;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("ReplCache");
        string nodeId = options.NodeId ?? ReplicationIds.NewId();

        Store = new CacheStore(options.TimeProvider, options.SizeLimitBytes)
        {
            TouchLeadMs = (long)Math.Ceiling(options.HeartbeatInterval.TotalMilliseconds),
            Limits = EntryLimits.From(options),
        };
        // No backlog until a secondary can use one (BacklogRetention): a node starts as a primary with none attached.
        ReplicationLog = new ReplicationLog(options.BacklogSizeBytes, options.ReplicaOutputLimitBytes, retainHistory: false);
        Backlog = new BacklogRetention(ReplicationLog, Store.WriteLock, options, _logger, nodeId);
        var appender = new LogAppender(ReplicationLog);
        Store.Lead(appender); // a node starts as a primary; REPLICAOF (or PrimaryAddress) makes it follow
        State = new ReplicationState(nodeId, Store, ReplicationLog, appender, Backlog);
        AuthTokens = new AuthTokenRotation(options);
        Tls = TlsContext.Load(options, _loggerFactory.CreateLogger("ReplCache.Tls"), nodeId);
        Replicas = new ReplicaRegistry(options, ReplicationLog, Backlog);
        Metrics = new ReplCacheMetrics(nodeId, new NodeFigures(Store, ReplicationLog, Replicas, () => Links!.Status), meterFactory, cacheName);
        Links = new LinkSupervisor(State, Store, ReplicationLog, AppliedKeys, options, Tls, Metrics, _loggerFactory);

        var writePause = new WritePause();
        var gate = new AccessGate(State, options, Replicas, Links, writePause, new StalePrimaryFence(State));
        Route = new WriteRoute(Store, gate, Links);
        Cache = new ReplicatedCache(Store, Route, gate, Metrics);
        var failover = new FailoverCoordinator(State, ReplicationLog, Replicas, Links, writePause, options, _logger);
        Control = new ReplicationControl(State, Store, ReplicationLog, Replicas, Links, failover, options);

        var forwardedWrites = new ForwardedWriteApplier(Route, Store.Limits, Links, ReplicationLog, AppliedKeys, _stopping.Token);
        var syncs = new SyncServer(State, Store, ReplicationLog, Replicas, Links, forwardedWrites, options, _loggerFactory, _stopping.Token);
        var refusals = new PeerRefusals(Control, _loggerFactory.CreateLogger("ReplCache.Security"));
        GrpcService = new ReplicationGrpcService(syncs, new NodeDescriber(State, ReplicationLog, Links), refusals, AuthTokens);

        Snapshots = new SnapshotPersistence(Store, ReplicationLog, State, options, _logger);
        Shutdown = new OperatorShutdown(State, Replicas, ReplicationLog, DefaultStopDrainTimeout, save => StopAsync(save, drain: false, CancellationToken.None), _logger);
        _schedule = new SnapshotSchedule(Snapshots, Store, options, _logger, nodeId);
        Resp = options.RespListen is null
            ? null
            : new RespServer(Store, Control, State, gate, Snapshots, options, Metrics, HostSettings, _loggerFactory, _stopping.Token)
            {
                AbortFailover = failover.Abort,
                AuthTokens = AuthTokens,
            };
    }

    public ReplicatedCacheOptions Options { get; }

    /// <summary>The name of the keyed cache group this node serves (<c>AddKeyedReplicatedCache</c>); null otherwise.</summary>
    public string? CacheName { get; }

    public ReplicatedCache Cache { get; }

    /// <summary>INFO, REPLICAOF, WAIT: the public replication control.</summary>
    public IReplicationControl Control { get; }

    /// <summary>The gRPC replication service, for this node's own listener or an app's <c>MapReplicatedCache</c>.</summary>
    public ReplicationGrpcService GrpcService { get; }

    /// <summary>The Redis-protocol endpoint's server; null without <see cref="ReplicatedCacheOptions.RespListen"/>.</summary>
    public RespServer? Resp { get; }

    /// <summary>The tokens peers and clients may present: AuthToken now, and the one it replaced during its grace period.</summary>
    public AuthTokenRotation AuthTokens { get; }

    /// <summary>Where a secondary announces the keys replication changed, for host components (HybridCache).</summary>
    public AppliedKeys AppliedKeys { get; } = new();

    /// <summary>The cache API's write route, for host components that replay replicated changes through it.</summary>
    public WriteRoute Route { get; }

    /// <summary>
    /// Settings of the process hosting this node that are not node options (pidfile, dir, ...), by Redis directive
    /// name, for <c>CONFIG GET</c>; written by the server program before the node serves clients.
    /// </summary>
    public ConcurrentDictionary<string, string> HostSettings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The bound address of this node's own listener; null without <see cref="ReplicatedCacheOptions.Listen"/>.</summary>
    public Uri? ListenAddress => _listener?.Address;

    /// <summary>
    /// True once <see cref="StartAsync"/> has completed: the snapshot is loaded and the node has taken its configured
    /// role. Before that a node meant to be a secondary still looks like an empty primary.
    /// </summary>
    public bool HasStarted => _hasStarted;

    /// <summary>
    /// Whether this node's store holds everything up to its log's end: always on a primary; on a secondary, once it
    /// has completed a sync (a full resync loads aside, so a later one in progress or broken off leaves the copy whole).
    /// </summary>
    public bool HoldsCompleteCopy
    {
        get
        {
            lock (Store.WriteLock)
            {
                return State.HoldsLogEnd;
            }
        }
    }

    /// <summary>Completes once the node has stopped.</summary>
    public Task Stopped => _stopped.Task;

    // The parts below are the core's own; they are visible for the tests that look inside a node.
    internal CacheStore Store { get; }

    internal ReplicationLog ReplicationLog { get; }

    internal ReplicationState State { get; }

    internal BacklogRetention Backlog { get; }

    internal ReplicaRegistry Replicas { get; }

    internal LinkSupervisor Links { get; }

    internal SnapshotPersistence Snapshots { get; }

    /// <summary>An operator's SHUTDOWN (and replcache-server's SIGTERM): waits for secondaries, and can be aborted meanwhile.</summary>
    internal OperatorShutdown Shutdown { get; }

    internal SnapshotSchedule Schedule => _schedule;

    internal TlsContext Tls { get; }

    internal ReplCacheMetrics Metrics { get; }
}
