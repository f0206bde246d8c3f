using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Persistence;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Persistence;

/// <summary>Snapshot persistence: round trips, exactness under writes, refusal of bad files, restart continuity.</summary>
public sealed class SnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-snapshot-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathFor(string name) => Path.Combine(_dir, name);

    [Fact]
    public async Task SaveOnStop_LoadOnStart_SameContent_NewIdKeepingTheSavedOneAsId2()
    {
        string file = PathFor("dump.rcs");
        string digest;
        ReplicationInfo before;
        await using (ReplicatedCacheNode first = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file))
        {
            for (int i = 0; i < 5000; i++)
            {
                first.Cache.SetString($"k{i}", $"v{i}", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromHours(1) });
            }

            first.Cache.SetString("permanent", "p");
            digest = first.Cache.GetDigest();
            before = first.Replication.GetInfo();
        }

        Assert.True(File.Exists(file));
        await using ReplicatedCacheNode second = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file);
        Assert.Equal(digest, second.Cache.GetDigest());
        ReplicationInfo after = second.Replication.GetInfo();
        Assert.NotEqual(before.ReplicationId, after.ReplicationId);
        Assert.Equal(before.ReplicationId, after.ReplicationId2);
        Assert.Equal(before.Offset + 1, after.SecondOffset);
        Assert.Equal(before.Offset, after.Offset);
    }

    [Fact]
    public async Task SaveUnderConcurrentWrites_IsExactAtTheOffsetItClaims()
    {
        string file = PathFor("fuzzy.rcs");
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.BacklogSizeBytes = 512L * 1024 * 1024; // the check below replays the log from the snapshot's offset
        });
        node.Core.ReplicationLog.RetainHistory(); // as a primary with a secondary does: this one has none
        for (int i = 0; i < 50_000; i++)
        {
            node.Cache.SetString($"w{i}", "initial");
        }

        SnapshotSummary summary;
        await using (var writer = new BackgroundWriter(node.Cache, keySpace: 50_000, writesPerSecond: 200_000))
        {
            long start = writer.Writes;
            await Poll.UntilAsync(() => writer.Writes > start + 1000, "the writer to run");
            summary = await node.Core.Snapshots.SaveAsync(CancellationToken.None);
        }

        // Load the file into a fresh store, replay the live log from the offset the file claims: the result must be
        // exactly the node's content. Any entry the snapshot got wrong would survive the replay and show up here.
        var replay = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
        replay.Follow();
        SnapshotIdentity identity = SnapshotReader.Load(file, replay);
        Assert.Equal(summary.Offset, identity.Offset);
        using ReplCache.Backlog.LogCursor cursor = node.Core.ReplicationLog.TryOpenCursor(identity.Offset)!;
        var log = new ReplCache.Backlog.ReplicationLog(ReplicatedCacheOptions.DefaultBacklogSizeBytes, 1L << 30, identity.Offset);
        var applier = new ReplCache.Replication.Secondary.StreamApplier(replay, log, new ReplCache.Replication.AppliedKeys());
        byte[] rest = new byte[node.Core.ReplicationLog.EndOffset - identity.Offset];
        Assert.Equal(rest.Length, cursor.Read(rest));
        applier.ApplyRecords(identity.Offset, rest);
        Assert.Equal(node.Cache.GetDigest(), replay.ComputeDigest());
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("foreign")]
    [InlineData("version")]
    [InlineData("empty")]
    public async Task BadFile_StopsStartup_NamingTheFile_AndKeepsIt(string damage)
    {
        string file = PathFor("bad.rcs");
        await using (ReplicatedCacheNode first = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file))
        {
            first.Cache.SetString("k", "v");
        }

        byte[] bytes = File.ReadAllBytes(file);
        byte[] damaged = damage switch
        {
            "flip" => Flip(bytes, bytes.Length / 2),
            "truncate" => bytes[..(bytes.Length - 5)],
            "foreign" => System.Text.Encoding.UTF8.GetBytes("REDIS0011 this is somebody else's file"),
            "version" => Version(bytes, 99),
            _ => [],
        };
        File.WriteAllBytes(file, damaged);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Nodes.StartPrimaryAsync(o => o.SnapshotPath = file));
        Assert.Contains(Path.GetFullPath(file), error.Message);
        if (damage == "version")
        {
            Assert.Contains("version 99", error.Message);
        }

        Assert.Equal(damaged, File.ReadAllBytes(file)); // kept as it was, for the operator
    }

    [Fact]
    public async Task BadFile_WithStartEmptyOnBadSnapshot_StartsEmpty_AndMovesTheFileAside()
    {
        string file = PathFor("bad.rcs");
        File.WriteAllBytes(file, [1, 2, 3]);
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.StartEmptyOnBadSnapshot = true;
        });
        Assert.Equal(0, node.Cache.Count);
        Assert.False(File.Exists(file));
        string aside = Assert.Single(Directory.GetFiles(_dir, "bad.rcs.bad-*"));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(aside));
    }

    [Fact]
    public async Task InterruptedSaves_NeverDamageTheExistingFile()
    {
        string file = PathFor("dump.rcs");
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file);
        for (int i = 0; i < 20_000; i++)
        {
            node.Cache.SetString($"k{i}", new string('x', 100));
        }

        await node.SaveAsync();
        string saved = node.Cache.GetDigest();
        var random = new Random(7);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            node.Cache.SetString($"k{attempt}", $"changed {attempt}");
            using var interrupt = new CancellationTokenSource(TimeSpan.FromTicks(random.Next(1, 200_000)));
            try
            {
                await node.SaveAsync(interrupt.Token);
                saved = node.Cache.GetDigest();
            }
            catch (OperationCanceledException)
            {
                // Interrupted somewhere in the middle: the previous file must still load, whole.
            }

            var check = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
            SnapshotReader.Load(file, check);
            Assert.Equal(saved, check.ComputeDigest());
        }

        // A crash leaves a torn temporary file, never a torn snapshot; a torn file is refused, never half-loaded.
        byte[] whole = File.ReadAllBytes(file);
        for (int cut = 0; cut < 30; cut++)
        {
            string torn = PathFor($"torn{cut}.rcs");
            File.WriteAllBytes(torn, whole[..random.Next(0, whole.Length - 1)]);
            var store = new ReplCache.Storage.CacheStore(TimeProvider.System, null);
            Assert.Throws<InvalidDataException>(() => SnapshotReader.Load(torn, store));
            Assert.Equal(0, store.PhysicalCount);
        }
    }

    [Fact]
    public async Task EntriesThatExpiredWhileDown_AreDropped_AndTheRemovalsReplicated()
    {
        string file = PathFor("dump.rcs");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using (ReplicatedCacheNode first = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.TimeProvider = clock;
        }))
        {
            first.Cache.SetString("short", "x", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
            first.Cache.SetString("long", "y", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        }

        clock.Advance(TimeSpan.FromMinutes(10)); // down for ten minutes
        await using ReplicatedCacheNode second = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.TimeProvider = clock;
        });
        Assert.Equal(1, second.Core.Store.PhysicalCount);
        Assert.Equal("y", second.Cache.GetString("long"));
        ReplicationInfo info = second.Replication.GetInfo();
        Assert.True(info.Offset > info.SecondOffset - 1, "the removal of the expired entry is in the new history's log");
    }

    [Fact]
    public async Task SaveAsync_WithoutSnapshotPath_SaysSo()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => node.SaveAsync());
        Assert.Contains("SnapshotPath", error.Message);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        byte[] copy = bytes.ToArray();
        copy[at] ^= 0x40;
        return copy;
    }

    private static byte[] Version(byte[] bytes, uint version)
    {
        byte[] copy = bytes.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8), version);
        // Re-seal the checksum so only the version is wrong.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(copy.Length - 8), System.IO.Hashing.XxHash64.HashToUInt64(copy.AsSpan(0, copy.Length - 8)));
        return copy;
    }
}
