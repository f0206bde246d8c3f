
namespace ReplCache.AspNetCore.DataProtection;

/// <summary>
/// Whether this node's copy of the key ring can be trusted to be the group's ring — the question an empty cache makes
/// critical: Data Protection answers an empty ring by creating a new key, and a node that reads "empty" only because
/// it has not synced yet would start a ring of its own, and the cookies it protects would be unreadable elsewhere
/// (the farm-wide "key not found" outages of rings kept in a Redis that was flushed or not yet replicated).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A node that has not started has not loaded its snapshot, and one meant to be a secondary still looks like an
/// empty primary: refused at once (waiting could deadlock a host that starts services in turn; Data Protection's
/// own startup logs the failure and the next use retries).</item>
/// <item>A primary's store is the group's: trusted.</item>
/// <item>A secondary is trusted once it holds a complete copy of its primary's data (not before its first full sync
/// has completed, when a ring may be half there; a later full sync loads aside and leaves the copy whole) and either
/// its link is up — its copy is current — or its copy
/// holds a ring: a ring only ever grows, so an older copy still protects and unprotects with the keys it has.
/// Otherwise it waits, at most <see cref="MaxWait"/>, and then refuses rather than answer "no keys".</item>
/// </list>
/// </remarks>
/// <param name="nodeHasStarted">Whether the node's start has completed (<c>NodeCore.HasStarted</c>).</param>
/// <param name="holdsCompleteCopy">Whether the store holds all its history up to the log's end (<c>ReplicationState.HoldsLogEnd</c>).</param>
/// <param name="replication">The node's role and link.</param>
internal sealed class KeyRingReadiness(Func<bool> nodeHasStarted, Func<bool> holdsCompleteCopy, IReplicationControl replication)
{
    /// <summary>The longest a read of the ring waits for a secondary to sync; the read is synchronous (IXmlRepository).</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Returns once the ring <paramref name="read"/> returns can be trusted, and that ring; throws when it cannot be
    /// within <see cref="MaxWait"/>.
    /// </summary>
    public T WaitForTrustedRing<T>(Func<T> read, Func<T, bool> isEmpty)
    {
        if (!nodeHasStarted())
        {
            throw new InvalidOperationException("The Data Protection key ring kept in ReplCache cannot be read before the cache's node has started (it has not loaded its data nor joined its primary yet).");
        }

        long started = Environment.TickCount64;
        while (true)
        {
            // Whether the copy is complete is read before the ring, so a resync starting between the two is on the
            // safe side: it empties the store, and an empty ring from a syncing secondary is then refused next round.
            bool complete = holdsCompleteCopy();
            ReplicationInfo info = replication.GetInfo();
            T ring = read();
            if (info.Role == ReplicationRole.Primary || (complete && holdsCompleteCopy() && (info.LinkStatus == PrimaryLinkStatus.Up || !isEmpty(ring))))
            {
                return ring;
            }

            if (Environment.TickCount64 - started > MaxWait.TotalMilliseconds)
            {
                throw new InvalidOperationException(
                    $"The Data Protection key ring kept in ReplCache cannot be trusted on this node yet: it is a secondary whose link to its primary is {info.LinkStatus.ToString().ToLowerInvariant()}"
                    + (complete ? " and whose copy holds no key" : " and whose full sync is not complete")
                    + $", after {MaxWait.TotalSeconds:0} s. Refusing to answer \"no keys\", which would start a new key ring on this instance alone.");
            }

            Thread.Sleep(PollInterval); // IXmlRepository.GetAllElements is synchronous; Data Protection calls it rarely
        }
    }
}
