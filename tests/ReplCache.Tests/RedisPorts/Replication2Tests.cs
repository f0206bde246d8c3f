using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>Redis's tests/integration/replication-2.tcl, the case not covered by Replication.WriteGuaranteeTests.</summary>
public sealed class Replication2Tests
{
    /// <summary>"min-slaves-to-write is ignored by slaves": the setting on a secondary never holds back its stream.</summary>
    [Fact]
    public async Task MinSlavesToWrite_IsIgnoredBySlaves()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(primary.Address, o => o.MinReplicasToWrite = 1);
        primary.Cache.SetString("mykey", "foo");
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal("foo", replica.Cache.GetString("mykey"));
        Assert.Empty(replica.Replication.GetInfo().Replicas); // no good replica of its own, and still it applies
    }
}
