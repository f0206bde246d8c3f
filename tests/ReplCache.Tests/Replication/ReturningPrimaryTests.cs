using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// An old primary that comes back as the secondary of the node promoted in its place (what Sentinel does with
/// <c>+convert-to-slave</c>): the writes it took after the fork are dropped by a full resync, as Redis drops them, and
/// its log says how many bytes of history went; a node that is only re-pointed drops nothing and says nothing.
/// </summary>
public sealed class ReturningPrimaryTests
{
    private const int HistoryDiscarded = 44;

    [Fact]
    public async Task OldPrimary_ConvertedToSecondary_DropsItsDivergentWrites_AndLogsHowManyBytes()
    {
        using var oldPrimaryLog = new FakeLoggerProvider();
        using ILoggerFactory oldPrimaryFactory = LoggerFactory.Create(b => b.AddProvider(oldPrimaryLog));
        await using ReplicatedCacheNode oldPrimary = await ReplicatedCacheNode.StartAsync(Nodes.Options(), oldPrimaryFactory);
        await using ReplicatedCacheNode promoted = await Nodes.StartSecondaryAsync(oldPrimary.Address);
        for (int i = 0; i < 20; i++)
        {
            await oldPrimary.Cache.SetAsync($"shared{i}", [(byte)i], new());
        }

        await Nodes.WaitInSyncAsync(oldPrimary, promoted);
        long fork = oldPrimary.Replication.GetInfo().Offset;

        // The secondary is promoted while the old primary, cut off from it, still takes writes nobody receives.
        await promoted.Replication.PromoteToPrimaryAsync();
        await oldPrimary.Cache.SetAsync("lost1", [1], new());
        await oldPrimary.Cache.SetAsync("lost2", [2, 2], new());
        long diverged = oldPrimary.Replication.GetInfo().Offset;
        Assert.True(diverged > fork);
        await promoted.Cache.SetAsync("after-promotion", [3], new());

        await oldPrimary.Replication.ReplicaOfAsync(promoted.Address);
        await Nodes.WaitInSyncAsync(promoted, oldPrimary);

        Assert.Null(await oldPrimary.Cache.GetAsync("lost1"));
        Assert.Null(await oldPrimary.Cache.GetAsync("lost2"));
        Assert.Equal([3], await oldPrimary.Cache.GetAsync("after-promotion"));
        Assert.Equal([19], await oldPrimary.Cache.GetAsync("shared19"));

        FakeLogRecord discarded = Assert.Single(oldPrimaryLog.Collector.GetSnapshot(), r => r.Id.Id == HistoryDiscarded);
        Assert.Equal(LogLevel.Warning, discarded.Level);
        Assert.Equal((diverged - fork).ToString(System.Globalization.CultureInfo.InvariantCulture), discarded.GetStructuredStateValue("DroppedBytes"));
        Assert.Equal(fork.ToString(System.Globalization.CultureInfo.InvariantCulture), discarded.GetStructuredStateValue("SharedOffset"));
        Assert.Contains(promoted.Address.ToString(), discarded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaughtUpSibling_RepointedAtThePromotedNode_ContinuesPartially_AndDropsNothing()
    {
        using var siblingLog = new FakeLoggerProvider();
        using ILoggerFactory siblingFactory = LoggerFactory.Create(b => b.AddProvider(siblingLog));
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode promoted = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode sibling = await ReplicatedCacheNode.StartAsync(Nodes.Options(primary.Address), siblingFactory);
        for (int i = 0; i < 20; i++)
        {
            await primary.Cache.SetAsync($"k{i}", [(byte)i], new());
        }

        await Nodes.WaitInSyncAsync(primary, promoted, sibling);
        await promoted.Replication.PromoteToPrimaryAsync();
        await sibling.Replication.ReplicaOfAsync(promoted.Address);
        await promoted.Cache.SetAsync("after", [1], new());
        await Nodes.WaitInSyncAsync(promoted, sibling);

        ReplicationInfo onPromoted = promoted.Replication.GetInfo();
        Assert.Equal(1, onPromoted.PartialSyncsAccepted);
        Assert.Equal(0, onPromoted.FullSyncs);
        Assert.DoesNotContain(siblingLog.Collector.GetSnapshot(), r => r.Id.Id == HistoryDiscarded);
    }
}
