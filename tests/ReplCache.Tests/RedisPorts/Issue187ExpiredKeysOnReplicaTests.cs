using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #187, #1768, #3127, #3198, PR #5021 (replication-3.tcl, "Writable replica doesn't return expired keys";
/// replication-4.tcl, "Replication of an expired key does not delete the expired key"): read-only replicas served
/// logically expired keys, since they delete only on the master's DEL, and a key the master never got round to
/// expiring stayed readable on them for good (EXISTS until 5.0). Here the replica's clock runs ahead of its
/// primary's, so a key is past its deadline on the replica only: every read there treats it as absent, the replica
/// does not delete it on its own, and the primary's next write to it applies.
/// </summary>
public sealed class Issue187ExpiredKeysOnReplicaTests
{
    [Fact]
    public async Task Issue187_AKeyPastItsDeadlineOnAReplica_IsAbsentToEveryRead_ButOnlyThePrimaryRemovesIt()
    {
        var primaryClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var replicaClock = new FakeTimeProvider(primaryClock.GetUtcNow());
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = primaryClock);
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address, o => o.TimeProvider = replicaClock);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient onPrimary = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient onReplica = await RespTestClient.ConnectAsync(replica);

        Assert.Equal("OK", await onPrimary.CallAsync("SET", "k", "v", "PX", "100"));
        Assert.Equal("OK", await onPrimary.CallAsync("SET", "other", "o"));
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal("v", await onReplica.CallAsync("GET", "k"));

        replicaClock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Null(await onReplica.CallAsync("GET", "k"));
        Assert.Equal(0L, await onReplica.CallAsync("EXISTS", "k"));
        Assert.Equal(-2L, await onReplica.CallAsync("TTL", "k"));
        Assert.Equal(-2L, await onReplica.CallAsync("PTTL", "k"));
        Assert.Equal(new object?[] { null, "o" }, await onReplica.CallAsync("MGET", "k", "other"));
        Assert.Equal(new object?[] { "other" }, await onReplica.CallAsync("KEYS", "*"));
        Assert.Equal(new object?[] { "0", new object?[] { "other" } }, await onReplica.CallAsync("SCAN", "0", "COUNT", "1000"));
        Assert.Equal(2, replica.Core.Store.PhysicalCount); // hidden, not deleted: removals come from the primary

        // The primary, for which k is still live, writes it: the replica applies the write to its copy.
        Assert.Equal("OK", await onPrimary.CallAsync("SET", "k", "v2", "KEEPTTL"));
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Null(await onReplica.CallAsync("GET", "k")); // still past its (kept) deadline on the replica
        Assert.Equal(1L, await onPrimary.CallAsync("PERSIST", "k"));
        await Nodes.WaitInSyncAsync(primary, replica);
        Assert.Equal("v2", await onReplica.CallAsync("GET", "k"));
        Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
    }
}
