using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Hosting;
using ReplCache.Log;
using ReplCache.Protocol;
using ReplCache.Replication.Primary;
using ReplCache.Replication.Secondary;
using ReplCache.Storage;
using ReplCache.Tls;

namespace ReplCache.Replication;

/// <summary>
/// The core of one node: its store, its log, its history and its place in the topology. Every door into a
/// node — ReplicatedCacheNode, <c>AddReplicatedCache</c>, <c>MapReplicatedCache</c> — wraps one of these.
/// </summary>
/// <remarks>
/// Role changes, a full sync's start and the choice between partial and full resync all happen under the
/// store's write lock, so they are ordered with every write and every log append.
/// </remarks>
internal sealed partial class ReplicationController : IReplicationControl, IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger;
    private readonly LogAppender _appender;
    private readonly Lock _replicasGate = new();
    private readonly List<ConnectedReplica> _replicas = [];
    private readonly SemaphoreSlim _topologyChange = new(1, 1);
    private readonly AsyncSignal _acknowledged = new();
    private readonly CancellationTokenSource _stopping = new();
    private ReplicationHistory _history = ReplicationHistory.New();
    private PrimaryLink? _link;
    private string[] _upstream = [];
    private bool _hasHistoryToContinue;
    private long _fullSyncs;
    private long _partialSyncsAccepted;
    private long _partialSyncsRejected;
    private int _disposed;
    private long _bytesSentToDeparted;

    private readonly long _startedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();

    public ReplicationController(ReplicatedCacheOptions options, ILoggerFactory? loggerFactory = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger("ReplCache");
        NodeId = options.NodeId ?? ReplicationIds.NewId();
        Store = new CacheStore(options.TimeProvider, options.SizeLimitBytes)
        {
            TouchLeadMs = (long)Math.Ceiling(options.HeartbeatInterval.TotalMilliseconds),
            Limits = EntryLimits.From(options),
        };
        ReplicationLog = new ReplicationLog(options.BacklogSizeBytes, options.ReplicaOutputLimitBytes);
        _appender = new LogAppender(ReplicationLog);
        Store.Lead(_appender);
        Cache = new ReplicatedCache(Store, this);
        Tls = TlsContext.Load(options, LoggerFactory.CreateLogger("ReplCache.Tls"), NodeId);
        Metrics = new Diagnostics.ReplCacheMetrics(this, meterFactory);
    }

    /// <summary>The node's TLS material: its certificate and the authorities it trusts.</summary>
    public TlsContext Tls { get; }

    /// <summary>This node's instruments on the <c>ReplCache</c> meter.</summary>
    internal Diagnostics.ReplCacheMetrics Metrics { get; }

    /// <summary>Replication payload bytes sent to secondaries, those gone included.</summary>
    internal long BytesSentToReplicas => Volatile.Read(ref _bytesSentToDeparted) + ConnectedReplicas().Sum(r => r.BytesSent);

    public ReplicatedCacheOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public string NodeId { get; }

    public CacheStore Store { get; }

    public ReplicationLog ReplicationLog { get; }

    public ReplicatedCache Cache { get; }

    public ReplicationRole Role { get; private set; } = ReplicationRole.Primary;

    /// <summary>How long this node has been running.</summary>
    public TimeSpan Uptime => System.Diagnostics.Stopwatch.GetElapsedTime(_startedTimestamp);

    public ReplicationHistory History => Volatile.Read(ref _history);

    /// <summary>The node ids this node replicates from, nearest first; empty on a primary.</summary>
    public string[] Upstream => Volatile.Read(ref _upstream);

    /// <summary>
    /// Settings of the process hosting this node that are not node options (pidfile, dir, dbfilename, bind, port,
    /// ...), by Redis directive name, so that <c>CONFIG GET</c> can show them; set by the server program.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> HostSettings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The address secondaries and operators reach this node at, once known.</summary>
    public Uri? AdvertisedAddress { get; set; }

    /// <summary>Starts replicating from <see cref="ReplicatedCacheOptions.PrimaryAddress"/> when one is configured.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ProtectedMode.WarnIfExposed(Options, _logger);
        StartSaveSchedule();
        return Options.PrimaryAddress is { } primary && Role == ReplicationRole.Primary && _link is null
            ? ReplicaOfAsync(primary, cancellationToken)
            : Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task ReplicaOfAsync(Uri primary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!primary.IsAbsoluteUri || (primary.Scheme != Uri.UriSchemeHttp && primary.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The primary's address must be an absolute http:// or https:// URI (was '{primary}').", nameof(primary));
        }

        await _topologyChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_link is { } current && SameAddress(current.Primary, primary))
            {
                if (current.AcceptEmptyPrimaryOnce())
                {
                    Log.EmptyPrimaryAccepted(_logger, NodeId, Role, History.Id, ReplicationLog.EndOffset, primary, Store.PhysicalCount);
                }
                else
                {
                    Log.ReplicaOfUnchanged(_logger, NodeId, Role, History.Id, ReplicationLog.EndOffset, primary);
                }

                return;
            }

            await RefuseLoopAsync(primary, cancellationToken).ConfigureAwait(false);
            if (_link is { } old)
            {
                _link = null;
                await old.DisposeAsync().ConfigureAwait(false);
            }

            lock (Store.WriteLock)
            {
                if (Role == ReplicationRole.Primary)
                {
                    // Our data and history become the "cached primary": if the new primary shares the history,
                    // we continue from where we are, as Redis does when a master is turned into a replica.
                    _hasHistoryToContinue = ReplicationLog.EndOffset > 0 || Store.PhysicalCount > 0;
                }

                Role = ReplicationRole.Secondary;
                Volatile.Write(ref _upstream, []); // until the new primary says who is upstream; never a stale chain
                Store.Follow();
                ReplicationLog.DetachAll("this node is now a secondary of " + primary);
            }

            var link = new PrimaryLink(this, primary, LoggerFactory);
            Store.SlidingRenewed = link.Touches.Add;
            _link = link;
            Log.ReplicaOfChanged(_logger, NodeId, Role, History.Id, ReplicationLog.EndOffset, primary);
            link.Start();
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <inheritdoc />
    public async Task PromoteToPrimaryAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _topologyChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_link is { } link)
            {
                _link = null;
                Store.SlidingRenewed = null;
                await link.DisposeAsync().ConfigureAwait(false);
            }

            if (Role == ReplicationRole.Primary)
            {
                return; // REPLICAOF NO ONE on a primary changes nothing
            }

            lock (Store.WriteLock)
            {
                // PSYNC2: a new history starts here; the old id stays valid up to this offset, so former
                // siblings and our own sub-replicas continue with partial resyncs.
                Volatile.Write(ref _history, History.Shift(ReplicationIds.NewId(), ReplicationLog.EndOffset));
                Volatile.Write(ref _upstream, []);
                Role = ReplicationRole.Primary;
                Store.Lead(_appender);
                ReplicationLog.DetachAll("this node was promoted to primary; reconnect to learn its new replication id");
            }

            Log.Promoted(_logger, NodeId, Role, History.Id, ReplicationLog.EndOffset, History.Id2);
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <summary>
    /// Synchronous disposal, for containers disposed with <c>Dispose</c>: stops every loop without waiting for
    /// them to finish (they end within moments, on their cancelled tokens). Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _link?.Stop();
            Shutdown();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_link is { } link)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        Shutdown();
    }

    /// <summary>Ends every session and timer; the link has been stopped by the caller.</summary>
    private void Shutdown()
    {
        _saveSchedule?.Dispose();
        _stopping.Cancel();
        ReplicationLog.DetachAll("the node is shutting down");
        foreach (ConnectedReplica replica in ConnectedReplicas())
        {
            replica.Stop.Cancel();
        }

        Store.Dispose();
        Metrics.Dispose();
    }

    /// <summary>Cancelled when the node shuts down.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    internal PrimaryLink? Link => _link;

    internal ConnectedReplica[] ConnectedReplicas()
    {
        lock (_replicasGate)
        {
            return [.. _replicas];
        }
    }

    /// <summary>What a secondary asks its primary for: (replication id, next offset), or ("?", -1) for nothing.</summary>
    internal (string Id, long Offset) PsyncRequest()
    {
        lock (Store.WriteLock)
        {
            return _hasHistoryToContinue ? (History.Id, ReplicationLog.EndOffset) : ("?", -1);
        }
    }

    /// <summary>The primary answered FULLRESYNC: adopt its history from <paramref name="offset"/>; data follows.</summary>
    internal void AdoptFullResync(string replicationId, long offset, StreamApplier applier)
    {
        lock (Store.WriteLock)
        {
            _hasHistoryToContinue = false; // until the snapshot is complete, there is nothing to continue
            applier.BeginFullSync(offset);
            Volatile.Write(ref _history, new ReplicationHistory(replicationId, ReplicationInfo.NoReplicationId, -1));
        }
    }

    /// <summary>The snapshot is complete: from here on the node holds its primary's history up to its log's end.</summary>
    internal void CompleteFullResync()
    {
        lock (Store.WriteLock)
        {
            _hasHistoryToContinue = true;
        }
    }

    /// <summary>The primary answered CONTINUE with <paramref name="replicationId"/>.</summary>
    internal void AdoptContinue(string replicationId)
    {
        lock (Store.WriteLock)
        {
            _hasHistoryToContinue = true;
            if (replicationId != History.Id)
            {
                // The primary was promoted (or is a new primary sharing our history): shift as Redis's replica
                // does, and make our sub-replicas reconnect so they learn the new id too.
                Volatile.Write(ref _history, History.Shift(replicationId, ReplicationLog.EndOffset));
                ReplicationLog.DetachAll("this node's primary changed its replication id");
            }
        }
    }

    internal void SetUpstream(IEnumerable<string> upstream) => Volatile.Write(ref _upstream, [.. upstream]);

    internal void AddReplica(ConnectedReplica replica)
    {
        lock (_replicasGate)
        {
            _replicas.Add(replica);
        }
    }

    internal void RemoveReplica(ConnectedReplica replica)
    {
        lock (_replicasGate)
        {
            if (_replicas.Remove(replica))
            {
                Interlocked.Add(ref _bytesSentToDeparted, replica.BytesSent);
            }
        }

        _acknowledged.Set();
    }

    internal void ReplicaAcknowledged() => _acknowledged.Set();

    internal void CountSync(bool full, bool askedForPartial)
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

    /// <summary>Serves one secondary's Sync call until it ends.</summary>
    private PeerRefusals? _peerRefusals;

    /// <summary>The deduplicated log of refused replication calls (wrong token, malformed handshake).</summary>
    internal PeerRefusals PeerRefusals => LazyInitializer.EnsureInitialized(ref _peerRefusals, () => new PeerRefusals(this, LoggerFactory.CreateLogger("ReplCache.Security")));

    internal Task ServeSecondaryAsync(IAsyncStreamReader<SecondaryMessage> requests, IServerStreamWriter<PrimaryMessage> responses, ServerCallContext context) =>
        new SecondarySession(this, requests, responses, context, LoggerFactory).RunAsync();

    private static bool SameAddress(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
