using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/replication-buffer.tcl, "Partial resynchronization is successful even
/// client-output-buffer-limit is less than repl-backlog-size": a secondary that resyncs partially may be as far
/// behind as the backlog holds, and it must not then be dropped for it — Redis ignores a replica output-buffer limit
/// below repl-backlog-size (checkClientOutputBufferLimits), since such a replica only shares the backlog's memory.
/// </summary>
public sealed class ReplicationBufferTests
{
    [Fact]
    public async Task PartialResynchronization_IsSuccessful_EvenIfClientOutputBufferLimitIsLessThanReplBacklogSize()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o =>
        {
            o.BacklogSizeBytes = 100L * 1024 * 1024;
            o.ReplicaOutputLimitBytes = 1024 * 1024;
        });
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, replica);
        byte[] big = new byte[10 * 1024 * 1024];

        // CLIENT KILL TYPE replica, two 10 MB writes while the replica is away, then it reconnects.
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => replica.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up, "the replica to lose its link");
        Set(primary, big, 1);
        Set(primary, big, 2);
        proxy.Refuse(false);
        await Poll.UntilAsync(() => PartialSyncs(primary) == 1, "the replica to resync partially");
        Set(primary, big, 3); // what would trip the output limit
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (1, 1), Describe([primary, replica]));

        // More than the output limit but less than the backlog, at once: the replica is not dropped either.
        Set(primary, big, 4);
        Set(primary, big, 5);
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.True((FullSyncs(primary), PartialSyncs(primary)) == (1, 1), Describe([primary, replica]));
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
    }

    private static void Set(ReplicatedCacheNode primary, byte[] value, int version)
    {
        value[0] = (byte)version;
        primary.Cache.Set("key", value, new DistributedCacheEntryOptions());
    }
}
