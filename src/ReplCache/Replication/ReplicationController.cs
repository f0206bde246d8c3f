using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReplCache.Storage;

namespace ReplCache.Replication;

/// <summary>
/// The core of one node: its store, its identity and its place in the replication topology. Every door into
/// a node — ReplicatedCacheNode, <c>AddReplicatedCache</c>, <c>MapReplicatedCache</c> — wraps one of these.
/// </summary>
internal sealed partial class ReplicationController : IReplicationControl, IAsyncDisposable
{
    private readonly ILogger _logger;
    private int _disposed;

    public ReplicationController(ReplicatedCacheOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ReplCache");
        NodeId = options.NodeId ?? ReplicationIds.NewId();
        ReplicationId = ReplicationIds.NewId();
        Store = new CacheStore(options.TimeProvider, options.SizeLimitBytes);
        Cache = new ReplicatedCache(Store, this);
    }

    public ReplicatedCacheOptions Options { get; }

    public string NodeId { get; }

    public string ReplicationId { get; private set; }

    public CacheStore Store { get; }

    public ReplicatedCache Cache { get; }

    public ReplicationRole Role { get; private set; } = ReplicationRole.Primary;

    public ReplicationInfo GetInfo() => new()
    {
        Role = Role,
        NodeId = NodeId,
        ReplicationId = ReplicationId,
        ReplicationId2 = ReplicationInfo.NoReplicationId,
        Offset = 0,
        SecondOffset = -1,
        LinkStatus = PrimaryLinkStatus.None,
        Replicas = [],
        BacklogSize = Options.BacklogSizeBytes,
        BacklogFirstOffset = 0,
        BacklogLength = 0,
        FullSyncs = 0,
        PartialSyncsAccepted = 0,
        PartialSyncsRejected = 0,
        ReplicaReadOnly = Options.ReplicaWrites == ReplicaWriteMode.Reject,
    };

    public Task ReplicaOfAsync(Uri primary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        throw new InvalidOperationException("This build has no replication transport yet; REPLICAOF arrives with the replication core.");
    }

    /// <summary>REPLICAOF NO ONE. On a primary it changes nothing, as in Redis.</summary>
    public Task PromoteToPrimaryAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Redis's WAIT. <paramref name="timeout"/> of <see cref="TimeSpan.Zero"/> checks once without waiting;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits until enough replicas acknowledge (Redis's <c>WAIT n 0</c>).
    /// </summary>
    public async Task<int> WaitForReplicasAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (replicas == 0 || timeout == TimeSpan.Zero)
        {
            return 0;
        }

        // No secondaries can connect to a node without a transport, so the answer is 0 once the wait is over.
        await Task.Delay(timeout, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Throws unless this node accepts writes from its callers.</summary>
    public void EnsureWritable()
    {
        if (Role == ReplicationRole.Secondary && Options.ReplicaWrites == ReplicaWriteMode.Reject)
        {
            throw new ReadOnlyReplicaException();
        }
    }

    /// <summary>Throws when reads must not be served (a secondary with a down link and ServeStaleData off).</summary>
    public void EnsureReadable()
    {
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Store.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
