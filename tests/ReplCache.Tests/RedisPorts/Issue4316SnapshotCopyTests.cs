using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using static ReplCache.Tests.RedisPorts.Replicas;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #4316, "PSYNC2 &amp; RDB: data inconsistency between master and slave": a node started as a master from
/// another master's snapshot adopted its replication id and offset, took writes of its own, then was made a replica
/// of the original, which accepted its psync, so its extra keys survived. The fix (loadDataFromDisk): a master loads
/// the saved id only as replid2, under a fresh replid of its own.
/// </summary>
public sealed class Issue4316SnapshotCopyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-issue4316-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Issue4316_ANodeStartedAsPrimaryFromACopiedSnapshot_ThatTookWrites_FullSyncsFromTheOriginal()
    {
        string fileA = Path.Combine(_dir, "a.rcs"), fileB = Path.Combine(_dir, "b.rcs");
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = fileA);
        for (int i = 0; i < 100; i++)
        {
            a.Cache.SetString($"k{i}", $"v{i}");
        }

        await a.SaveAsync();
        File.Copy(fileA, fileB);
        a.Cache.SetString("after-the-copy", "on-a");

        await using ReplicatedCacheNode b = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = fileB);
        Assert.NotEqual(a.Replication.GetInfo().ReplicationId, b.Replication.GetInfo().ReplicationId);
        b.Cache.SetString("extra", "1");

        await b.Replication.ReplicaOfAsync(a.Address);
        await Nodes.WaitInSyncAsync(a, b);
        Assert.Null(b.Cache.GetString("extra"));
        Assert.Equal("on-a", b.Cache.GetString("after-the-copy"));
        Assert.Equal(a.Cache.GetDigest(), b.Cache.GetDigest());
        Assert.Equal((1, 0), (FullSyncs(a), PartialSyncs(a)));
    }
}
