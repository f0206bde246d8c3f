using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>The observations Redis's replication tests make with INFO, for a group of ReplCache nodes.</summary>
internal static class Replicas
{
    /// <summary>Every node but <paramref name="primary"/> has its link up and exactly the primary's offset (chains included).</summary>
    public static Task WaitConsistentAsync(ReplicatedCacheNode primary, IEnumerable<ReplicatedCacheNode> nodes, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            () =>
            {
                long offset = primary.Replication.GetInfo().Offset;
                return nodes.Where(n => n != primary).All(n => n.Replication.GetInfo() is { LinkStatus: PrimaryLinkStatus.Up } info && info.Offset == offset);
            },
            "every node to reach the primary's offset with its link up",
            timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>
    /// Waits until <paramref name="node"/> has heard <paramref name="count"/> more messages from its primary — on an
    /// idle link, its heartbeats: the time since it last heard anything drops every time one arrives.
    /// </summary>
    public static Task HeardAsync(ReplicatedCacheNode node, int count)
    {
        int heard = 0;
        TimeSpan last = node.Replication.GetInfo().PrimaryLastIoAgo ?? TimeSpan.MaxValue;
        return Poll.UntilAsync(
            () =>
            {
                TimeSpan now = node.Replication.GetInfo().PrimaryLastIoAgo ?? TimeSpan.MaxValue;
                if (now < last)
                {
                    heard++;
                }

                last = now;
                return heard >= count;
            },
            $"{count} heartbeats to reach the secondary");
    }

    public static long FullSyncs(ReplicatedCacheNode node) => node.Replication.GetInfo().FullSyncs;

    public static long PartialSyncs(ReplicatedCacheNode node) => node.Replication.GetInfo().PartialSyncsAccepted;

    /// <summary>One line per node, for assertion messages: role, syncs served, offset and history.</summary>
    public static string Describe(IEnumerable<ReplicatedCacheNode> nodes) => string.Join("; ", nodes.Select((n, i) =>
    {
        ReplicationInfo info = n.Replication.GetInfo();
        return $"#{i} {info.Role} {info.LinkStatus} full={info.FullSyncs} partial={info.PartialSyncsAccepted} rejected={info.PartialSyncsRejected} offset={info.Offset} id={info.ReplicationId[..6]} id2={info.ReplicationId2[..6]}@{info.SecondOffset}";
    }));
}
