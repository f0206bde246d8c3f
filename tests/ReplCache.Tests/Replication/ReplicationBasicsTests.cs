using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>One primary, two secondaries: what a write, a removal, an expiry and an eviction look like downstream.</summary>
public class ReplicationBasicsTests
{
    [Fact]
    public async Task ExpiryOnThePrimary_IsReplicatedAsRemoval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.TimeProvider = clock);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(primary.Address);
        for (int i = 0; i < 200; i++)
        {
            primary.Cache.SetString($"short{i}", "x", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
            primary.Cache.SetString($"long{i}", "y", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(5) });
        }

        await Nodes.WaitInSyncAsync(primary, a, b);
        Assert.Equal(400, a.Cache.Count);

        // The primary's clock moves ten minutes; the secondaries' clocks do not. Only the primary deletes, and its
        // removals are what make the secondaries drop the entries.
        for (int tick = 0; tick < 20 && primary.Cache.GetKeys("short*").Any(); tick++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await Poll.UntilAsync(() => a.Cache.Count == 200 && b.Cache.Count == 200, "expiry removals to reach both secondaries");
        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10)));
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Empty(a.Cache.GetKeys("short*"));
    }

    [Fact]
    public async Task EvictionOnThePrimary_IsReplicatedAsRemoval_AndSecondariesNeverEvictOnTheirOwn()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.SizeLimitBytes = 200_000);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address, o => o.SizeLimitBytes = 50_000);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(primary.Address);
        byte[] value = new byte[1000];
        for (int i = 0; i < 2000; i++)
        {
            primary.Cache.Set($"k{i}", value, new DistributedCacheEntryOptions());
        }

        Assert.InRange(primary.Cache.Count, 10, 199);
        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10)));
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
    }

    [Fact]
    public async Task WritesRemovalsAndOverwrites_ReachBothSecondaries_WithEqualDigests()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        for (int i = 0; i < 3000; i++)
        {
            primary.Cache.SetString($"before{i}", new string('v', i % 50), options);
        }

        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(primary.Address);
        for (int i = 0; i < 3000; i++)
        {
            primary.Cache.SetString($"after{i}", $"{i}");
            primary.Cache.SetString($"before{i}", "overwritten");
            if (i % 3 == 0)
            {
                primary.Cache.Remove($"after{i}");
            }
        }

        Assert.Equal(2, await primary.Replication.WaitForReplicasAsync(2, TimeSpan.FromSeconds(10)));
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Equal("overwritten", a.Cache.GetString("before7"));
        Assert.Null(b.Cache.GetString("after3"));
        Assert.Equal("4", b.Cache.GetString("after4"));
    }

    [Fact]
    public async Task SecondaryWrites_AreRefusedWithRedisMessage()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address);
        var refusal = Assert.Throws<ReadOnlyReplicaException>(() => a.Cache.Set("k", [1], new DistributedCacheEntryOptions()));
        Assert.StartsWith("READONLY", refusal.Message);
        Assert.Throws<ReadOnlyReplicaException>(() => a.Cache.Remove("k"));
        await Assert.ThrowsAsync<ReadOnlyReplicaException>(() => a.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions()));
    }

    [Fact]
    public async Task SlidingEntryReadOnlyOnASecondary_IsKeptAliveOnThePrimary()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.TimeProvider = clock);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address, o => o.TimeProvider = clock);
        primary.Cache.SetString("session", "data", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(30) });
        await Nodes.WaitInSyncAsync(primary, a);

        // Read only on the secondary, every 20 s of (shared fake) time, for 3 minutes: the touches it forwards must
        // keep the primary from expiring the entry, which would remove it everywhere.
        for (int step = 0; step < 9; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal("data", a.Cache.GetString("session"));
            long offset = primary.Replication.GetInfo().Offset;
            await Poll.UntilAsync(() => primary.Replication.GetInfo().Offset > offset, "the secondary's touch to renew the entry on the primary");
        }

        Assert.Equal("data", primary.Cache.GetString("session"));
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Null(primary.Cache.GetString("session"));
        await Poll.UntilAsync(() => a.Cache.GetKeys("*").Count() == 0, "the primary's expiry to reach the secondary");
    }

    [Fact]
    public async Task ServeStaleDataOff_ReadsThrowWhileTheLinkIsDown()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(proxy.Address, o => o.ServeStaleData = false);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, a);
        Assert.Equal("v", a.Cache.GetString("k"));

        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => a.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the link to go down");
        var refusal = Assert.Throws<PrimaryLinkDownException>(() => a.Cache.GetString("k"));
        Assert.StartsWith("MASTERDOWN", refusal.Message);
        ReplicationInfo info = a.Replication.GetInfo();
        Assert.NotNull(info.LinkDownFor);
        Assert.Contains("master_link_status:down", info.ToInfoString());
        Assert.Contains("master_link_down_since_seconds:", info.ToInfoString());

        proxy.Refuse(false);
        await Nodes.WaitInSyncAsync(primary, a);
        Assert.Equal("v", a.Cache.GetString("k"));
        Assert.Equal(1, primary.Replication.GetInfo().PartialSyncsAccepted);
    }

    [Fact]
    public async Task InfoString_OnBothRoles_HasRedisFields()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, a);
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Any(r => r.State == "online" && r.AckedOffset == primary.Replication.GetInfo().Offset), "the ack to arrive");

        string master = primary.Replication.GetInfo().ToInfoString();
        Assert.Contains("role:master\r\n", master);
        Assert.Contains("connected_slaves:1\r\n", master);
        Assert.Matches(@"slave0:ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+", master);
        Assert.Matches(@"master_replid:[0-9a-f]{40}\r\n", master);

        string slave = a.Replication.GetInfo().ToInfoString();
        Assert.Contains("role:slave\r\n", slave);
        Assert.Contains($"master_port:{primary.Address.Port}\r\n", slave);
        Assert.Contains("master_link_status:up\r\n", slave);
        Assert.Contains("master_sync_in_progress:0\r\n", slave);
        Assert.Contains($"slave_repl_offset:{primary.Replication.GetInfo().Offset}\r\n", slave);
        Assert.Equal(primary.Replication.GetInfo().ReplicationId, a.Replication.GetInfo().ReplicationId);
    }
}
