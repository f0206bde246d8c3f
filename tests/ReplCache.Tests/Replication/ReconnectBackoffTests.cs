using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>The retry backoff of a secondary's link: it grows only over attempts that never got up.</summary>
public sealed class ReconnectBackoffTests
{
    /// <summary>
    /// Regression: a link that was up and then broke by an exception (a reset connection, not an ended stream)
    /// counted as one more failed attempt, so after a few cuts a secondary waited the longest delay (2 s) before
    /// reconnecting to a primary that was there all along.
    /// </summary>
    [Fact]
    public async Task ALinkCutWhileUp_RetriesAtTheFirstDelay_HoweverOftenItIsCut()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(proxy.Address);
        for (int cut = 0; cut < 6; cut++)
        {
            primary.Cache.SetString($"k{cut}", "v");
            await Nodes.WaitInSyncAsync(primary, secondary);
            long served = primary.Replication.GetInfo().PartialSyncsAccepted + primary.Replication.GetInfo().FullSyncs;
            proxy.KillAll();
            await Poll.UntilAsync(
                () => primary.Replication.GetInfo() is { } info && info.PartialSyncsAccepted + info.FullSyncs > served
                    && secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up,
                "the secondary to come back after the cut");
        }

        Assert.Equal(1, secondary.Core.Links.Link!.ConsecutiveFailures);
    }
}
