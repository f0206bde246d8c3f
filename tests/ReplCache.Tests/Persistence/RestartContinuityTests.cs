using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Persistence;

/// <summary>Restarts from a snapshot continue the replication history, as Redis 7 does with the id and offset in its RDB.</summary>
public sealed class RestartContinuityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-restart-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task PrimaryRestartedFromItsSnapshot_BothSecondariesResyncPartially()
    {
        string file = Path.Combine(_dir, "primary.rcs");
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file);
        Uri address = primary.Address;
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(address);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(address);
        for (int i = 0; i < 2000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(primary, a, b);
        await primary.StopAsync(); // drains, then saves
        await Poll.UntilAsync(() => a.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the secondaries to notice");
        Assert.Equal("v7", a.Cache.GetString("k7")); // secondaries wait with their data

        await using ReplicatedCacheNode restarted = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.Listen = address.ToString();
        });
        restarted.Cache.SetString("after-restart", "yes");
        await Nodes.WaitInSyncAsync(restarted, a, b);
        Assert.Equal(restarted.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(restarted.Cache.GetDigest(), b.Cache.GetDigest());
        ReplicationInfo info = restarted.Replication.GetInfo();
        Assert.Equal(0, info.FullSyncs);
        Assert.Equal(2, info.PartialSyncsAccepted);
    }

    [Fact]
    public async Task SecondaryRestartedFromItsSnapshot_ContinuesPartially()
    {
        string file = Path.Combine(_dir, "secondary.rcs");
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 2000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.SnapshotPath = file);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await secondary.StopAsync();
        for (int i = 0; i < 500; i++)
        {
            primary.Cache.SetString($"while-down{i}", "x"); // within the backlog
        }

        await using ReplicatedCacheNode back = await Nodes.StartSecondaryAsync(primary.Address, o => o.SnapshotPath = file);
        await Nodes.WaitInSyncAsync(primary, back);
        Assert.Equal(primary.Cache.GetDigest(), back.Cache.GetDigest());
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(1, info.FullSyncs);           // the first sync only
        Assert.Equal(1, info.PartialSyncsAccepted); // the restart continued
    }
}
