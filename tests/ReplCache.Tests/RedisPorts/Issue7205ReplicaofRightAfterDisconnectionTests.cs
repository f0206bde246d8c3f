using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #7205, "integration/psync2 fails, detecting too many full syncs" (replication.tcl: <c>replicaof right after
/// disconnection</c>): when the master closed the link, the replica freed its master client without caching it, and
/// a REPLICAOF handled in the same event-loop tick then asked for a full sync. Here the master's links to both
/// replicas are killed and, at that very moment, replica2 is pointed at replica1 — the stream's end racing the role
/// change — five times over.
/// </summary>
public sealed class Issue7205ReplicaofRightAfterDisconnectionTests
{
    [Fact]
    public async Task Issue7205_ReplicaofRightAfterDisconnection_ContinuesPartially()
    {
        await using var links = new UpstreamLinks();
        await using ReplicatedCacheNode master = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica1 = await links.StartSecondaryAsync(master);
        await using ReplicatedCacheNode replica2 = await links.StartSecondaryAsync(master);
        ReplicatedCacheNode[] all = [master, replica1, replica2];
        await Nodes.WaitInSyncAsync(master, replica1, replica2);

        for (int round = 0; round < 5; round++)
        {
            master.Cache.SetString("round", $"{round}");
            await Nodes.WaitInSyncAsync(master, replica1, replica2);

            // The master drops its replicas (CLIENT KILL TYPE replica) and replica2 gets REPLICAOF replica1 at once.
            links.Kill(replica1);
            links.Kill(replica2);
            await links.PointAsync(replica2, replica1);
            await WaitConsistentAsync(master, all);
            Assert.True((FullSyncs(master), FullSyncs(replica1), FullSyncs(replica2)) == (2, 0, 0), $"round {round}: {Describe(all)}");

            await links.PointAsync(replica2, master); // back, for the next round
            await WaitConsistentAsync(master, all);
        }

        Assert.Equal(master.Cache.GetDigest(), replica2.Cache.GetDigest());
        Assert.True((FullSyncs(master), FullSyncs(replica1), FullSyncs(replica2)) == (2, 0, 0), Describe(all));
    }
}
