using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/psync2-master-restart.tcl (Redis 7.0, PR #8015): a chain primary → replica → sub-replica
/// whose primary restarts from its snapshot. The primary takes a new replication id and keeps the saved one as id2,
/// so both secondaries continue partially; keys that expired while it was down are removed at load and the removals
/// replicated; when those removals overflow the backlog, a full resync follows instead.
/// </summary>
public sealed class Psync2MasterRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-psync2-master-restart-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Psync2_PartialResyncAfterMasterRestart_UsingRdbAuxFields_WhenOffsetIsZero()
    {
        await using Chain chain = await Chain.StartAsync(Path.Combine(_dir, "zero.rcs"));
        Assert.Equal(0, chain.Primary.Replication.GetInfo().Offset);
        string replid = chain.Primary.Replication.GetInfo().ReplicationId;

        await chain.RestartPrimaryAsync();

        ReplicationInfo primary = chain.Primary.Replication.GetInfo();
        Assert.NotEqual(replid, primary.ReplicationId);
        Assert.Equal(0, primary.Offset);
        Assert.Equal(replid, primary.ReplicationId2);
        Assert.Equal(1, primary.SecondOffset);
        Assert.Equal(0, primary.BacklogLength);
        Assert.Equal((0, 1), (primary.FullSyncs, primary.PartialSyncsAccepted));
        // The sub-replica re-psynced with the replica, because the replica's replication id changed.
        Assert.Equal((1, 1), Syncs(chain.Replica));
    }

    [Fact]
    public async Task Psync2_PartialResyncAfterMasterRestart_UsingRdbAuxFields_WithData()
    {
        await using Chain chain = await Chain.StartAsync(Path.Combine(_dir, "data.rcs"));
        ComplexDataset(chain.Primary.Cache, 1000);
        await chain.WaitInSyncAsync();
        string replid = chain.Primary.Replication.GetInfo().ReplicationId;
        long offset = chain.Primary.Replication.GetInfo().Offset;

        await chain.RestartPrimaryAsync();

        ReplicationInfo primary = chain.Primary.Replication.GetInfo();
        Assert.NotEqual(replid, primary.ReplicationId);
        Assert.Equal(offset, primary.Offset);
        Assert.Equal(replid, primary.ReplicationId2);
        Assert.Equal(offset + 1, primary.SecondOffset);
        Assert.Equal(offset + 1, primary.BacklogFirstOffset);
        Assert.Equal(0, primary.BacklogLength);
        Assert.Equal((0, 1), (primary.FullSyncs, primary.PartialSyncsAccepted));
        Assert.Equal((1, 1), Syncs(chain.Replica));
        chain.AssertEqualDigests();
    }

    [Fact]
    public async Task Psync2_PartialResyncAfterMasterRestart_UsingRdbAuxFields_WithExpire()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using Chain chain = await Chain.StartAsync(Path.Combine(_dir, "expire.rcs"), clock);
        var soon = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) };
        for (int j = 0; j < 1024; j++)
        {
            chain.Primary.Cache.SetString($"{j}", "somevalue", soon);
        }

        chain.Primary.Cache.SetString("kept", "forever");
        await chain.WaitInSyncAsync();
        long offset = chain.Primary.Replication.GetInfo().Offset;

        // The keys expire while the primary is down: its load drops them and must tell its secondaries, which never
        // expire keys on their own (they only hide them) and would otherwise hold them for good.
        await chain.RestartPrimaryAsync(beforeRestart: () => clock.Advance(TimeSpan.FromMinutes(1)));

        ReplicationInfo primary = chain.Primary.Replication.GetInfo();
        Assert.True(primary.BacklogLength > 0, "the removals of the expired keys are in the restarted primary's backlog");
        Assert.Equal(offset + primary.BacklogLength, primary.Offset);
        Assert.Equal((0, 1), (primary.FullSyncs, primary.PartialSyncsAccepted));
        Assert.Equal((1, 1), Syncs(chain.Replica));
        Assert.All(chain.All, n => Assert.Equal(1, n.Core.Store.PhysicalCount));
        chain.AssertEqualDigests();
    }

    [Fact]
    public async Task Psync2_FullResyncAfterMasterRestart_WhenTooManyKeysExpired()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using Chain chain = await Chain.StartAsync(Path.Combine(_dir, "overflow.rcs"), clock, backlogBytes: ReplicatedCacheOptions.MinBacklogSizeBytes);
        var soon = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) };
        for (int j = 0; j < 2048; j++)
        {
            // Keys long enough that their 2048 removals are more than the 16 KiB backlog holds.
            chain.Primary.Cache.SetString($"expiring-key:{j:D6}", "somevalue", soon);
        }

        chain.Primary.Cache.SetString("kept", "forever");
        await chain.WaitInSyncAsync();

        await chain.RestartPrimaryAsync(beforeRestart: () => clock.Advance(TimeSpan.FromMinutes(1)));

        // The removals logged at load are more than the backlog holds: the secondaries' position is gone from it.
        ReplicationInfo primary = chain.Primary.Replication.GetInfo();
        Assert.True(primary.BacklogFirstOffset > primary.SecondOffset, $"backlog from {primary.BacklogFirstOffset}, id2 valid up to {primary.SecondOffset}");
        Assert.Equal((1, 0), (primary.FullSyncs, primary.PartialSyncsAccepted));
        Assert.Equal(2, chain.Replica.Replication.GetInfo().FullSyncs); // the sub-replica's first sync, and one more now
        Assert.All(chain.All, n => Assert.Equal(1, n.Core.Store.PhysicalCount));
        chain.AssertEqualDigests();
    }

    /// <summary>(full syncs, partial syncs accepted) served by a node.</summary>
    private static (long Full, long Partial) Syncs(ReplicatedCacheNode node)
    {
        ReplicationInfo info = node.Replication.GetInfo();
        return (info.FullSyncs, info.PartialSyncsAccepted);
    }

    /// <summary>After Redis's createComplexDataset, in what a cache has: sets, overwrites, removals and deadlines.</summary>
    private static void ComplexDataset(ReplicatedCache cache, int operations)
    {
        var random = new Random(8015);
        for (int i = 0; i < operations; i++)
        {
            string key = $"key:{random.Next(200)}";
            switch (random.Next(4))
            {
                case 0:
                    cache.Remove(key);
                    break;
                case 1:
                    cache.SetString(key, new string('v', random.Next(1, 200)), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
                    break;
                default:
                    cache.SetString(key, random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>primary → replica → sub-replica, the primary saving to a snapshot file and restartable on its address.</summary>
    private sealed class Chain : IAsyncDisposable
    {
        private readonly string _file;
        private readonly TimeProvider _clock;
        private readonly long _backlogBytes;

        private Chain(string file, TimeProvider clock, long backlogBytes, ReplicatedCacheNode primary)
        {
            _file = file;
            _clock = clock;
            _backlogBytes = backlogBytes;
            Primary = primary;
        }

        public ReplicatedCacheNode Primary { get; private set; }

        public ReplicatedCacheNode Replica { get; private set; } = null!;

        public ReplicatedCacheNode SubReplica { get; private set; } = null!;

        public ReplicatedCacheNode[] All => [Primary, Replica, SubReplica];

        public static async Task<Chain> StartAsync(string file, TimeProvider? clock = null, long backlogBytes = ReplicatedCacheOptions.DefaultBacklogSizeBytes)
        {
            clock ??= TimeProvider.System;
            var chain = new Chain(file, clock, backlogBytes, await Nodes.StartPrimaryAsync(o => Configure(o, file, clock, backlogBytes)));
            chain.Replica = await Nodes.StartSecondaryAsync(chain.Primary.Address, o => o.TimeProvider = clock);
            await Nodes.WaitInSyncAsync(chain.Primary, chain.Replica);
            chain.SubReplica = await Nodes.StartSecondaryAsync(chain.Replica.Address, o => o.TimeProvider = clock);
            await chain.WaitInSyncAsync();
            return chain;
        }

        public Task WaitInSyncAsync() => Nodes.WaitInSyncAsync(Primary, Replica, SubReplica);

        /// <summary>Stops the primary (it saves), then starts it again from its file on the same address.</summary>
        public async Task RestartPrimaryAsync(Action? beforeRestart = null)
        {
            Uri address = Primary.Address;
            await Primary.StopAsync();
            await Poll.UntilAsync(() => Replica.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down, "the replica to see its primary go");
            beforeRestart?.Invoke();
            Primary = await Nodes.StartPrimaryAsync(o =>
            {
                Configure(o, _file, _clock, _backlogBytes);
                o.Listen = address.ToString();
            });
            await Poll.UntilAsync(
                () => Replica.Replication.GetInfo().ReplicationId == Primary.Replication.GetInfo().ReplicationId
                    && SubReplica.Replication.GetInfo().ReplicationId == Primary.Replication.GetInfo().ReplicationId,
                "both secondaries to follow the restarted primary's new replication id",
                TimeSpan.FromSeconds(60));
            await WaitInSyncAsync();
        }

        public void AssertEqualDigests()
        {
            string digest = Primary.Cache.GetDigest();
            Assert.Equal(digest, Replica.Cache.GetDigest());
            Assert.Equal(digest, SubReplica.Cache.GetDigest());
        }

        public async ValueTask DisposeAsync()
        {
            await SubReplica.DisposeAsync();
            await Replica.DisposeAsync();
            await Primary.DisposeAsync();
        }

        private static void Configure(ReplicatedCacheOptions o, string file, TimeProvider clock, long backlogBytes)
        {
            o.SnapshotPath = file;
            o.TimeProvider = clock;
            o.BacklogSizeBytes = backlogBytes;
        }
    }
}
