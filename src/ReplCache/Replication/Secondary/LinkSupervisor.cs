using Microsoft.Extensions.Logging;
using ReplCache.Diagnostics;
using ReplCache.Backlog;
using ReplCache.Protocol;
using ReplCache.Storage;
using ReplCache.Tls;

namespace ReplCache.Replication.Secondary;

/// <summary>
/// Owns this node's link to its primary, if any: REPLICAOF starts one (after refusing a loop), REPLICAOF NO ONE ends
/// it and promotes the node, and in between the rest of the node sees the link only as <see cref="IUpstreamLink"/>.
/// Topology changes are serialised: one at a time, each complete before the next begins.
/// </summary>
internal sealed partial class LinkSupervisor(
    ReplicationState state,
    IReplicaStore store,
    ReplicationLog log,
    AppliedKeys appliedKeys,
    ReplicatedCacheOptions options,
    TlsContext tls,
    ReplCacheMetrics metrics,
    ILoggerFactory loggerFactory) : IUpstreamLink, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ReplCache");
    private readonly SemaphoreSlim _topologyChange = new(1, 1);
    private readonly LoopCheck _loopCheck = new(state, options, tls, loggerFactory.CreateLogger("ReplCache"));
    private PrimaryLink? _link;
    private int _disposed;

    /// <summary>The current link; null on a primary.</summary>
    public PrimaryLink? Link => Volatile.Read(ref _link);

    /// <inheritdoc />
    public Uri? Primary => Link?.Primary;

    /// <inheritdoc />
    public PrimaryLinkStatus Status => Link?.Status ?? PrimaryLinkStatus.None;

    /// <inheritdoc />
    public long Forward(ForwardedWrite write) => CurrentForwarder().Forward(write);

    /// <inheritdoc />
    public Task<long> ForwardAsync(ForwardedWrite write, CancellationToken cancellationToken) => CurrentForwarder().ForwardAsync(write, cancellationToken);

    /// <summary>REPLICAOF host port.</summary>
    public Task ReplicaOfAsync(Uri primary, CancellationToken cancellationToken) => ReplicaOfAsync(primary, fromConfiguration: false, cancellationToken);

    /// <summary>REPLICAOF host port; <paramref name="fromConfiguration"/> for the primary named at start-up (see <see cref="LoopCheck.RefuseLoopAsync"/>).</summary>
    public async Task ReplicaOfAsync(Uri primary, bool fromConfiguration, CancellationToken cancellationToken)
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
            if (_link is { } current && LoopCheck.SameAddress(current.Primary, primary))
            {
                if (current.AcceptEmptyPrimaryOnce())
                {
                    Log.EmptyPrimaryAccepted(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, primary, store.PhysicalCount);
                }
                else
                {
                    Log.ReplicaOfUnchanged(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, primary);
                }

                return;
            }

            await _loopCheck.RefuseLoopAsync(primary, fromConfiguration, cancellationToken).ConfigureAwait(false);
            await EndLinkAsync().ConfigureAwait(false);
            state.BecomeSecondary("this node is now a secondary of " + primary);
            PrimaryLink link = NewLink(primary, handover: null);
            Log.ReplicaOfChanged(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, primary);
            link.Start();
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <summary>REPLICAOF NO ONE: ends the link and makes this node a primary; a primary stays as it is.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _topologyChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EndLinkAsync().ConfigureAwait(false);
            if (state.BecomePrimary())
            {
                Log.Promoted(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, state.History.Id2);
            }
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <summary>
    /// FAILOVER, on the primary: steps down — only if <paramref name="mayStepDown"/> holds under the write lock — and
    /// links to <paramref name="target"/> with a Hello that hands it the primary role. No loop check: the target is
    /// this node's own secondary, which is exactly the loop a handover undoes. <paramref name="handover"/> completes
    /// with null when the target answers as the new primary, or with why it refused or could not be reached.
    /// </summary>
    /// <returns>False (nothing changed) when <paramref name="mayStepDown"/> did not hold.</returns>
    public async Task<bool> StepDownForFailoverAsync(Uri target, Func<bool> mayStepDown, TaskCompletionSource<string?> handover, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _topologyChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!state.BecomeSecondaryIf(mayStepDown, "this node stepped down for FAILOVER to " + target))
            {
                return false;
            }

            await EndLinkAsync().ConfigureAwait(false);
            PrimaryLink link = NewLink(target, handover);
            Log.SteppedDown(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, target);
            link.Start();
            return true;
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <inheritdoc />
    public async Task<string?> TakeOverAsync(string fromNodeId, string replicationId, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _topologyChange.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string? refusal = state.Role != ReplicationRole.Secondary ? "this node is not a secondary"
                : state.Upstream.FirstOrDefault() != fromNodeId ? $"this node does not replicate from {fromNodeId}"
                : state.History.Id != replicationId ? $"this node follows replication id {state.History.Id}, not {replicationId}"
                : null;
            if (refusal is not null)
            {
                Log.TakeOverRefused(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, fromNodeId, refusal);
                return refusal;
            }

            await EndLinkAsync().ConfigureAwait(false);
            state.BecomePrimary();
            Log.TookOver(_logger, state.NodeId, state.Role, state.History.Id, log.EndOffset, fromNodeId, state.History.Id2);
            return null;
        }
        finally
        {
            _topologyChange.Release();
        }
    }

    /// <summary>Asks the link to stop without waiting for it (synchronous disposal of the node).</summary>
    public void Stop()
    {
        Interlocked.Exchange(ref _disposed, 1);
        Link?.Stop();
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        await EndLinkAsync().ConfigureAwait(false);
    }

    /// <summary>The link to <paramref name="primary"/>, installed as the current one (not started yet).</summary>
    private PrimaryLink NewLink(Uri primary, TaskCompletionSource<string?>? handover)
    {
        var link = new PrimaryLink(primary, state, store, log, appliedKeys, options, tls, metrics, loggerFactory, handover);
        store.SlidingRenewed = link.Renewals.Add;
        Volatile.Write(ref _link, link);
        return link;
    }

    private async Task EndLinkAsync()
    {
        if (Interlocked.Exchange(ref _link, null) is { } old)
        {
            store.SlidingRenewed = null;
            await old.DisposeAsync().ConfigureAwait(false);
        }
    }

    private WriteForwarder CurrentForwarder() =>
        Link?.Forwarder ?? throw new WriteForwardingException(
            "Cannot forward the write: this node is becoming a secondary and has no link to a primary yet. The write was not applied.",
            mayHaveBeenApplied: false);
}
