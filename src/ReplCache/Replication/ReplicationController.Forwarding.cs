using ReplCache.Protocol;
using ReplCache.Replication.Secondary;

namespace ReplCache.Replication;

internal sealed partial class ReplicationController
{
    /// <summary>
    /// True on a secondary with <see cref="ReplicaWriteMode.ForwardToPrimary"/>: the cache's writes go to the primary.
    /// Only the <c>IDistributedCache</c> API forwards; RESP writes on a secondary stay <c>READONLY</c>, as in Redis.
    /// </summary>
    internal bool ForwardsWrites => Role == ReplicationRole.Secondary && Options.ReplicaWrites == ReplicaWriteMode.ForwardToPrimary;

    /// <summary>Forwards a write made here to the primary and blocks until this node has applied it.</summary>
    internal long ForwardWrite(ForwardedWrite write) => CurrentForwarder().Forward(write);

    /// <summary>Forwards a write made here to the primary; completes once this node has applied it.</summary>
    internal Task<long> ForwardWriteAsync(ForwardedWrite write, CancellationToken cancellationToken) => CurrentForwarder().ForwardAsync(write, cancellationToken);

    /// <summary>
    /// A write a secondary forwarded to this node, applied as a write made here would be — argument checks,
    /// <see cref="EnsureWritable"/> (min-replicas), expiry computed by this node's clock, limits — or, on a
    /// secondary that forwards too, passed further up; a chain answers once the top primary's offset is applied
    /// here, so every node down the chain can wait for it in turn.
    /// </summary>
    /// <returns>The replication offset that holds the write: this node's log end right after applying it.</returns>
    internal ValueTask<long> ApplyForwardedAsync(ForwardedWrite write)
    {
        try
        {
            if (ForwardsWrites)
            {
                // A copy: the forwarder numbers it for its own stream, and the caller still needs the original id.
                return new ValueTask<long>(ForwardWriteAsync(write.Clone(), Stopping));
            }

            switch (write.OperationCase)
            {
                case ForwardedWrite.OperationOneofCase.Set:
                    ForwardedSet set = write.Set;
                    Cache.SetLocally(set.Key, set.Value.Span, ForwardedWriteCodec.ToOptions(set));
                    break;
                case ForwardedWrite.OperationOneofCase.Remove:
                    Cache.RemoveLocally(write.Remove.Key);
                    break;
                default:
                    throw new ArgumentException("The forwarded write names no operation (neither set nor remove).", nameof(write));
            }

            return new ValueTask<long>(ReplicationLog.EndOffset);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<long>(ex);
        }
    }

    private WriteForwarder CurrentForwarder() =>
        _link?.Forwarder ?? throw new WriteForwardingException(
            "Cannot forward the write: this node is becoming a secondary and has no link to a primary yet. The write was not applied.",
            mayHaveBeenApplied: false);
}
