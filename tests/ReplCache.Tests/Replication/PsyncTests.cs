using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>The four cases of Redis's tests/integration/replication-psync.tcl, through a TCP proxy.</summary>
public class PsyncTests
{
    [Theory]
    [InlineData(64L * 1024 * 1024, false, true)]   // big backlog, links killed: partial resyncs only
    [InlineData(16L * 1024, false, false)]         // tiny backlog: partial resyncs rejected, full resyncs, still converges
    [InlineData(64L * 1024 * 1024, true, true)]    // reconnect delayed within the backlog: partial resyncs
    public async Task LinksKilledUnderWriteLoad_SecondariesConverge(long backlog, bool delayReconnect, bool expectPartial)
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.BacklogSizeBytes = backlog);
        await using var proxyA = new TcpFaultProxy(primary.Address);
        await using var proxyB = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode a = await Nodes.StartSecondaryAsync(proxyA.Address);
        await using ReplicatedCacheNode b = await Nodes.StartSecondaryAsync(proxyB.Address);
        await Nodes.WaitInSyncAsync(primary, a, b);
        Assert.Equal(2, primary.Replication.GetInfo().FullSyncs);

        await using (var writer = new BackgroundWriter(primary.Cache, keySpace: 5_000, writesPerSecond: 20_000))
        {
            for (int cycle = 0; cycle < 6; cycle++)
            {
                long before = writer.Writes;
                await Poll.UntilAsync(() => writer.Writes > before + 4_000, "the writer to make progress");
                if (delayReconnect)
                {
                    proxyA.Refuse(true);
                    proxyB.Refuse(true);
                }

                proxyA.KillAll();
                proxyB.KillAll();
                if (delayReconnect)
                {
                    long during = writer.Writes;
                    await Poll.UntilAsync(() => writer.Writes > during + 10_000, "writes while the secondaries are away");
                    proxyA.Refuse(false);
                    proxyB.Refuse(false);
                }

                await Poll.UntilAsync(() => a.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up && b.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up, "both links to come back");
            }
        }

        await Nodes.WaitInSyncAsync(primary, a, b);
        Assert.Equal(primary.Cache.GetDigest(), a.Cache.GetDigest());
        Assert.Equal(primary.Cache.GetDigest(), b.Cache.GetDigest());
        ReplicationInfo info = primary.Replication.GetInfo();
        if (expectPartial)
        {
            Assert.Equal(2, info.FullSyncs);
            Assert.True(info.PartialSyncsAccepted >= 6, $"partial resyncs accepted: {info.PartialSyncsAccepted}");
            Assert.Equal(0, info.PartialSyncsRejected);
        }
        else
        {
            Assert.True(info.PartialSyncsRejected >= 2, $"partial resyncs rejected: {info.PartialSyncsRejected}");
            Assert.True(info.FullSyncs >= 4, $"full resyncs: {info.FullSyncs}");
        }
    }
}
