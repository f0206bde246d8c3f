using Microsoft.Extensions.Time.Testing;
using ReplCache.Backlog;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A backlog only while it can serve someone, as Redis's: none on a primary before its first secondary (and the log
/// holds one segment, not the backlog's size), kept up to <c>BacklogSizeBytes</c> from then on, freed after
/// <c>BacklogTtl</c> with no secondary (Redis's replication-psync.tcl "backlog expired"), always kept on a secondary.
/// </summary>
public sealed class BacklogRetentionTests
{
    private const int ValueBytes = 1024;

    [Fact]
    public async Task StandaloneNode_Writing32MiB_RetainsAtMostOneSegment()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync();
        Write(node, "standalone", 32 * 1024);

        ReplicationInfo info = node.Replication.GetInfo();
        Assert.True(info.Offset > 32L * 1024 * 1024, $"offset {info.Offset}");
        Assert.InRange(node.Core.ReplicationLog.RetainedBytes, 0, ReplicationLog.SegmentSize);
        Assert.False(info.BacklogActive);
        Assert.Equal((0L, 0L), (info.BacklogFirstOffset, info.BacklogLength));
        Assert.Contains("repl_backlog_active:0\r\n", info.ToInfoString());
    }

    [Fact]
    public async Task FirstSecondary_CreatesTheBacklog_UpToItsSize_AndAShortCutResyncsPartially()
    {
        const long backlog = 4L * 1024 * 1024;
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.BacklogSizeBytes = backlog);
        Write(primary, "before", 4 * 1024); // logged with no one to serve: not kept
        Assert.False(primary.Replication.GetInfo().BacklogActive);

        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.True(primary.Replication.GetInfo().BacklogActive);

        Write(primary, "after", 6 * 1024); // more than the backlog holds
        await Nodes.WaitInSyncAsync(primary, secondary);
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal(backlog, info.BacklogLength);
        Assert.Contains("repl_backlog_active:1\r\n", info.ToInfoString());
        Assert.InRange(primary.Core.ReplicationLog.RetainedBytes, backlog, backlog + 6 * ReplicationLog.SegmentSize);

        await CutAsync(proxy, primary, secondary, () => Write(primary, "during", 100));

        info = primary.Replication.GetInfo();
        Assert.Equal((1L, 1L, 0L), (info.FullSyncs, info.PartialSyncsAccepted, info.PartialSyncsRejected));
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    [Fact]
    public async Task PrimaryWithoutSecondaries_FreesTheBacklogAfterTheTtl_AndOneBehindResyncsInFull()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await StartPrimaryAsync(clock, ttl: TimeSpan.FromSeconds(60));
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address, o => o.TimeProvider = clock);
        await Nodes.WaitInSyncAsync(primary, secondary);
        Write(primary, "kept", 3 * 1024);
        await Nodes.WaitInSyncAsync(primary, secondary);

        await CutOffAsync(proxy, primary);
        Write(primary, "away", 100);

        clock.Advance(TimeSpan.FromSeconds(58));
        Assert.True(primary.Replication.GetInfo().BacklogActive, "freed before its TTL");
        await FreedAsync(primary, clock, after: TimeSpan.FromSeconds(58));
        Assert.InRange(primary.Core.ReplicationLog.RetainedBytes, 0, ReplicationLog.SegmentSize);
        Assert.Equal(0, primary.Replication.GetInfo().BacklogLength);

        proxy.Refuse(false);
        await Nodes.WaitInSyncAsync(primary, secondary);
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal((2L, 0L, 1L), (info.FullSyncs, info.PartialSyncsAccepted, info.PartialSyncsRejected));
        Assert.True(info.BacklogActive, "created again for the secondary that came back");
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    [Fact]
    public async Task BacklogFreed_ASecondaryAtTheEnd_StillContinues()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await StartPrimaryAsync(clock, ttl: TimeSpan.FromSeconds(10));
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address, o => o.TimeProvider = clock);
        Write(primary, "kept", 100);
        await Nodes.WaitInSyncAsync(primary, secondary);

        await CutOffAsync(proxy, primary);
        await FreedAsync(primary, clock, after: TimeSpan.Zero);

        // Nothing was written meanwhile: the id and offset it asks for are exactly what the primary holds.
        proxy.Refuse(false);
        await Nodes.WaitInSyncAsync(primary, secondary);
        ReplicationInfo info = primary.Replication.GetInfo();
        Assert.Equal((1L, 1L), (info.FullSyncs, info.PartialSyncsAccepted));
        Write(primary, "later", 10);
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());
    }

    [Fact]
    public async Task ZeroTtl_NeverFreesTheBacklog()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await StartPrimaryAsync(clock, ttl: TimeSpan.Zero);
        await using (ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.TimeProvider = clock))
        {
            await Nodes.WaitInSyncAsync(primary, secondary);
        }

        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 0, "the primary to see its secondary gone");
        clock.Advance(TimeSpan.FromDays(1));
        Assert.True(primary.Replication.GetInfo().BacklogActive);
    }

    [Fact]
    public async Task Secondary_KeepsItsBacklog_AndPromoted_ServesASiblingBehindItPartially()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode keeper = await Nodes.StartSecondaryAsync(primary.Address);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode sibling = await Nodes.StartSecondaryAsync(proxy.Address);
        Write(primary, "first", 200);
        await Nodes.WaitInSyncAsync(primary, keeper, sibling);
        Assert.True(keeper.Replication.GetInfo().BacklogActive, "a secondary with no secondary of its own keeps a backlog");

        // The sibling falls behind; what it misses is only in the keeper's backlog once the keeper is promoted.
        proxy.Refuse(true);
        proxy.KillAll();
        Write(primary, "missed", 300);
        await Nodes.WaitInSyncAsync(primary, keeper);
        ReplicationInfo kept = keeper.Replication.GetInfo();
        Assert.True(kept.BacklogLength >= 300 * ValueBytes, $"the keeper holds {kept.BacklogLength} bytes of history");

        await keeper.Replication.PromoteToPrimaryAsync();
        await sibling.Replication.ReplicaOfAsync(keeper.Address);
        await Nodes.WaitInSyncAsync(keeper, sibling);

        ReplicationInfo promoted = keeper.Replication.GetInfo();
        Assert.Equal((0L, 1L), (promoted.FullSyncs, promoted.PartialSyncsAccepted));
        Assert.True(promoted.BacklogActive);
        Assert.Equal(keeper.Cache.GetDigest(), sibling.Cache.GetDigest());
    }

    /// <summary>
    /// Moves the fake clock a second at a time until the backlog is freed, and checks it took the TTL: the secondary's
    /// departure (which starts the count) may be seen by the registry a moment before the count starts.
    /// </summary>
    /// <summary>Cuts the secondary behind <paramref name="proxy"/> off for good, until the primary no longer counts it.</summary>
    private static async Task CutOffAsync(TcpFaultProxy proxy, ReplicatedCacheNode primary)
    {
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Count == 0, "the primary to see its secondary gone");
    }

    private static Task<ReplicatedCacheNode> StartPrimaryAsync(FakeTimeProvider clock, TimeSpan ttl) => Nodes.StartPrimaryAsync(o =>
    {
        o.TimeProvider = clock;
        o.BacklogTtl = ttl;
    });

    private static async Task FreedAsync(ReplicatedCacheNode primary, FakeTimeProvider clock, TimeSpan after)
    {
        TimeSpan advanced = after;
        await Poll.UntilAsync(
            () =>
            {
                if (!primary.Replication.GetInfo().BacklogActive)
                {
                    return true;
                }

                clock.Advance(TimeSpan.FromSeconds(1));
                advanced += TimeSpan.FromSeconds(1);
                return false;
            },
            "the backlog to be freed");
        Assert.True(advanced >= primary.Core.Options.BacklogTtl, $"freed after {advanced}, before the TTL");
    }

    private static void Write(ReplicatedCacheNode node, string prefix, int count)
    {
        byte[] value = new byte[ValueBytes];
        for (int i = 0; i < count; i++)
        {
            value[0] = (byte)i;
            node.Cache.Set($"{prefix}:{i}", value, new());
        }
    }

    /// <summary>Cuts the secondary's link, runs <paramref name="meanwhile"/>, and lets it back, in sync again.</summary>
    private static async Task CutAsync(TcpFaultProxy proxy, ReplicatedCacheNode primary, ReplicatedCacheNode secondary, Action meanwhile)
    {
        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up, "the link to go down");
        meanwhile();
        proxy.Refuse(false);
        await Nodes.WaitInSyncAsync(primary, secondary);
    }
}
