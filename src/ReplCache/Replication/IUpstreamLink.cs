using ReplCache.Protocol;

namespace ReplCache.Replication;

/// <summary>
/// A secondary's link to its primary as the rest of the node sees it: its state, and the door its forwarded writes
/// go through. Implemented on the secondary side; the primary side and the surface see only this.
/// </summary>
internal interface IUpstreamLink
{
    /// <summary>The primary this node replicates from; null on a primary.</summary>
    Uri? Primary { get; }

    /// <summary><see cref="PrimaryLinkStatus.None"/> on a primary.</summary>
    PrimaryLinkStatus Status { get; }

    /// <summary>Forwards a write to the primary and blocks until this node has applied it.</summary>
    /// <returns>The replication offset that holds the write.</returns>
    long Forward(ForwardedWrite write);

    /// <summary>Forwards a write to the primary; completes once this node has applied it.</summary>
    Task<long> ForwardAsync(ForwardedWrite write, CancellationToken cancellationToken);

    /// <summary>
    /// FAILOVER's handover (Redis's <c>PSYNC ... FAILOVER</c>): the primary <paramref name="fromNodeId"/> stepped down
    /// for this node, which promotes itself if it is that node's secondary following <paramref name="replicationId"/>.
    /// </summary>
    /// <returns>Null once promoted; otherwise why this node refuses.</returns>
    Task<string?> TakeOverAsync(string fromNodeId, string replicationId, CancellationToken cancellationToken);
}
