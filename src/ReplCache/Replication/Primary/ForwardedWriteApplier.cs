using ReplCache.Backlog;
using ReplCache.Protocol;
using ReplCache.Replication;
using ReplCache.Storage;

namespace ReplCache.Replication.Primary;

/// <summary>
/// Applies a write that a secondary forwarded to this node as a write made here would be — argument checks, the
/// entry limits, min-replicas, expiry computed by this node's clock — or, on a secondary that forwards too, passes
/// it further up; a chain answers once the top primary's offset is applied here, so every node down the chain can
/// wait for it in turn. A write applied here is announced to <see cref="AppliedKeys"/> as a secondary announces what
/// it applies: it is a change another node made, which host components of this node (HybridCache's local copies and
/// tags) have not seen.
/// </summary>
internal sealed class ForwardedWriteApplier(WriteRoute route, EntryLimits limits, IUpstreamLink upstream, ReplicationLog log, AppliedKeys appliedKeys, CancellationToken stopping)
{
    /// <summary>Whether FAILOVER pauses writes: a write applied now would wait.</summary>
    public bool WritesPaused => route.WritesPaused;

    /// <returns>The replication offset that holds the write: this node's log end right after applying it.</returns>
    public async ValueTask<long> ApplyAsync(ForwardedWrite write)
    {
        if (route.ForwardsWrites)
        {
            // A copy: the forwarder numbers it for its own stream, and the caller still needs the original id.
            return await upstream.ForwardAsync(write.Clone(), stopping).ConfigureAwait(false);
        }

        switch (write.OperationCase)
        {
            case ForwardedWrite.OperationOneofCase.Set:
                ForwardedSet set = write.Set;
                limits.ThrowIfTooLarge(set.Key, set.Value.Length); // a peer's write meets this node's limits, not its own
                // Under FAILOVER's pause it waits here, off the session's thread, like a write made on this node.
                await route.SetLocallyAsync(set.Key, new System.Buffers.ReadOnlySequence<byte>(set.Value.Memory), ForwardedWriteCodec.ToOptions(set), stopping).ConfigureAwait(false);
                Announce(set.Key, AppliedChange.Set);
                break;
            case ForwardedWrite.OperationOneofCase.Remove:
                await route.RemoveLocallyAsync(write.Remove.Key, stopping).ConfigureAwait(false);
                Announce(write.Remove.Key, AppliedChange.Removed);
                break;
            default:
                throw new ArgumentException("The forwarded write names no operation (neither set nor remove).", nameof(write));
        }

        return log.EndOffset;
    }

    private void Announce(string key, AppliedChange change)
    {
        if (appliedKeys.HasObservers)
        {
            appliedKeys.Announce(KeyCodec.Encode(key), change); // an array only while someone listens
        }
    }
}
