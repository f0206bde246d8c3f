using Grpc.Core;
using Grpc.Net.Client;
using ReplCache.Protocol;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Rotation;

/// <summary>What the rotation tests check of a running group: no link went down, and which tokens a node accepts.</summary>
internal static class RotationGroup
{
    /// <summary>
    /// Every secondary is Up, has never gone down (a link that dropped and came back would say since when and why), and
    /// the primary served no sync beyond the <paramref name="fullSyncs"/> that started the group: none reconnected.
    /// </summary>
    public static void AssertNoLinkWentDown(ReplicatedCacheNode primary, int fullSyncs, params ReplicatedCacheNode[] secondaries)
    {
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(fullSyncs, info.FullSyncs);
        Assert.Equal(0, info.PartialSyncsAccepted);
        Assert.Equal(secondaries.Length, info.Replicas.Count);
        foreach (ReplicatedCacheNode secondary in secondaries)
        {
            ReplicationInfo own = secondary.Replication.GetInfo();
            Assert.Equal(PrimaryLinkStatus.Up, own.LinkStatus);
            Assert.Null(own.LinkDownReason);
        }
    }

    /// <summary>Whether the node's replication endpoint answers a call that presents <paramref name="token"/>.</summary>
    public static Task<bool> AcceptsAsync(ReplicatedCacheNode node, string token) => AcceptsAsync(node.Address, token);

    public static async Task<bool> AcceptsAsync(Uri address, string token)
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(address);
        var client = new ReplCache.Protocol.Replication.ReplicationClient(channel);
        try
        {
            await client.DescribeAsync(new DescribeRequest(), AuthToken.Headers(token));
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            return false;
        }
    }

    /// <summary>Writes on the primary in the background: any failed write fails the test when the writer is stopped.</summary>
    public static BackgroundWriter WriteUnderneath(ReplicatedCacheNode primary) =>
        new(primary.Cache, keySpace: 500, writesPerSecond: 2000);
}
