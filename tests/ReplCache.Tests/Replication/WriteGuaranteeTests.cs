using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>MinReplicasToWrite / MinReplicasMaxLag and WAIT when a secondary stalls.</summary>
public class WriteGuaranteeTests
{
    private static void Guarded(ReplicatedCacheOptions o)
    {
        o.MinReplicasToWrite = 1;
        o.MinReplicasMaxLag = TimeSpan.FromSeconds(1);
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
    }

    [Fact]
    public async Task MinReplicasToWrite_RefusesWritesWithoutGoodReplicas_ReadsUnaffected()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(Guarded);
        var refusal = Assert.Throws<NotEnoughReplicasException>(() => primary.Cache.SetString("k", "v"));
        Assert.Equal("NOREPLICAS Not enough good replicas to write.", refusal.Message);
        Assert.Throws<NotEnoughReplicasException>(() => primary.Cache.Remove("k"));
        Assert.Null(primary.Cache.GetString("k"));

        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address, Guarded); // a secondary ignores the setting
        await Poll.UntilAsync(() => primary.Core.Replicas.CountGoodReplicas() == 1, "a good replica");
        primary.Cache.SetString("k", "v");
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("v", secondary.Cache.GetString("k"));

        proxy.Stall(bothWays: true); // no acknowledgements any more
        await Poll.UntilAsync(() => primary.Core.Replicas.CountGoodReplicas() == 0, "the replica to fall past MinReplicasMaxLag");
        Assert.Throws<NotEnoughReplicasException>(() => primary.Cache.SetString("k", "w"));
        Assert.Equal("v", primary.Cache.GetString("k"));

        proxy.Resume();
        proxy.KillAll();
        await Poll.UntilAsync(() => primary.Core.Replicas.CountGoodReplicas() == 1, "the replica to be good again");
        primary.Cache.SetString("k", "w");
    }

    [Fact]
    public async Task Wait_CountsOnlyReplicasThatAcknowledgedTheCallersOffset()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(100));
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode stalled = await Nodes.StartSecondaryAsync(proxy.Address);
        await using ReplicatedCacheNode healthy = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("before", "1");
        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10)));

        proxy.Stall(bothWays: true);
        primary.Cache.SetString("after", "2");
        // The stalled one acknowledged an older offset, which does not count; the wait runs its full timeout.
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, await primary.Replication.WaitForReplicasAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("2", healthy.Cache.GetString("after"));

        using var cancel = new CancellationTokenSource();
        Task<int> waiting = primary.Replication.WaitForReplicasAsync(2, Timeout.InfiniteTimeSpan, cancel.Token);
        Assert.False(waiting.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
