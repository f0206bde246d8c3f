using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication.Secondary;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Replication;

/// <summary>
/// A primary that goes down: its secondaries wait with their data, retry with capped backoff and come back by
/// themselves; a graceful stop first lets them acknowledge everything it wrote.
/// </summary>
public sealed class PrimaryOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-primary-outage-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task DownedPrimaryComesBack_SecondariesReconnectByThemselvesWithBackoff_AndContinuePartially()
    {
        string file = Path.Combine(_dir, "primary.rcs");
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file);
        Uri address = primary.Address;

        // Each secondary reaches the primary through a proxy that counts its connection attempts.
        await using var staleProxy = new TcpFaultProxy(address);
        await using var strictProxy = new TcpFaultProxy(address);
        await using ReplicatedCacheNode stale = await Nodes.StartSecondaryAsync(staleProxy.Address);
        await using ReplicatedCacheNode strict = await Nodes.StartSecondaryAsync(strictProxy.Address, o => o.ServeStaleData = false);
        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        await Nodes.WaitInSyncAsync(primary, stale, strict);
        int attemptsBefore = staleProxy.ConnectionsAccepted;

        await primary.StopAsync();
        await Poll.UntilAsync(
            () => stale.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down && strict.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Down,
            "both secondaries to see the primary go down");

        // While down: replica-serve-stale-data yes serves what it has; no refuses reads as Redis words it.
        Assert.Equal("v7", stale.Cache.GetString("k7"));
        var refused = Assert.Throws<PrimaryLinkDownException>(() => strict.Cache.GetString("k7"));
        Assert.StartsWith("MASTERDOWN", refused.Message);
        Assert.Equal(ReplicationRole.Secondary, strict.Replication.GetInfo().Role);

        // Retries go on but thin out: in the first 2.2 s down, capped exponential backoff with full jitter allows
        // 5 or 6 attempts (each delay lies between half its ceiling and its ceiling). An attempt opens one
        // or two connections: SocketsHttpHandler retries a failed HTTP/2 handshake once on a new connection.
        TimeSpan watched = TimeSpan.FromSeconds(2.2);
        await Poll.UntilAsync(() => stale.Replication.GetInfo().LinkDownFor >= watched, "the link to have been down a while");
        int connections = staleProxy.ConnectionsAccepted - attemptsBefore;
        Assert.InRange(connections, AttemptsWithin(watched, longest: true) - 1, 2 * AttemptsWithin(watched, longest: false) + 1);
        Assert.NotNull(stale.Replication.GetInfo().LinkDownReason);

        // Back on the same port with its data: both reconnect without being told, within one capped retry delay.
        await using ReplicatedCacheNode restarted = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.Listen = $"http://127.0.0.1:{address.Port}";
        });
        var back = Stopwatch.StartNew();
        await Nodes.WaitInSyncAsync(restarted, stale, strict);
        TimeSpan tookToReconnect = back.Elapsed;
        Assert.True(tookToReconnect < PrimaryLink.MaxRetryDelay + TimeSpan.FromSeconds(5), $"reconnecting took {tookToReconnect.TotalSeconds:F1} s");

        ReplicationInfo info = restarted.Replication.GetInfo();
        Assert.Equal(0, info.FullSyncs);
        Assert.Equal(2, info.PartialSyncsAccepted);
        Assert.Equal("v7", strict.Cache.GetString("k7")); // reads are served again
        restarted.Cache.SetString("after-restart", "yes");
        await Nodes.WaitInSyncAsync(restarted, stale, strict);
        Assert.Equal(restarted.Cache.GetDigest(), stale.Cache.GetDigest());
        Assert.Equal(restarted.Cache.GetDigest(), strict.Cache.GetDigest());
    }

    [Fact]
    public async Task StopAsync_LetsConnectedSecondariesAcknowledgeEveryWrite_BeforeClosing()
    {
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode direct = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode held = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, direct, held);

        // A burst the secondaries cannot have applied by the time the stop begins: one of them receives nothing
        // of it until the stop is under way.
        proxy.Stall();
        for (int i = 0; i < 20_000; i++)
        {
            primary.Cache.SetString($"burst{i}", $"value {i} {new string('x', 200)}");
        }

        long offset = primary.Replication.GetInfo().Offset;
        string digest = primary.Cache.GetDigest();
        Task stopping = primary.StopAsync();
        Assert.False(stopping.IsCompleted); // waiting for the held secondary's acknowledgement
        proxy.Resume();
        await stopping;

        // No polling: once StopAsync has returned, both hold every write.
        foreach (ReplicatedCacheNode secondary in new[] { direct, held })
        {
            Assert.Equal(offset, secondary.Replication.GetInfo().Offset);
            Assert.Equal(digest, secondary.Cache.GetDigest());
            Assert.Equal(20_000, secondary.Cache.Count);
        }
    }

    [Fact]
    public async Task StopAsync_ASecondaryLeavingDuringTheDrain_DoesNotHoldTheStopUntilTheDrainTimeout()
    {
        ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode leaving = await Nodes.StartSecondaryAsync(proxy.Address);
        await Nodes.WaitInSyncAsync(primary, leaving);

        proxy.Stall(bothWays: true); // the next write is never acknowledged on this connection
        primary.Cache.SetString("unacknowledged", "x");
        var clock = Stopwatch.StartNew();
        Task stopping = primary.StopAsync();
        Assert.False(stopping.IsCompleted); // draining: the secondary has not acknowledged the write
        proxy.KillAll(); // ...and leaves: nobody is left to wait for
        await stopping;
        Assert.True(clock.Elapsed < ReplicatedCacheNode.DefaultStopDrainTimeout - TimeSpan.FromSeconds(2), $"the stop took {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>How many reconnection attempts fit in <paramref name="span"/> after the link breaks, with every delay the shortest (or the longest) the backoff allows.</summary>
    private static int AttemptsWithin(TimeSpan span, bool longest)
    {
        TimeSpan total = TimeSpan.Zero;
        for (int failures = 1; ; failures++)
        {
            double ceiling = Math.Min(PrimaryLink.MaxRetryDelay.TotalMilliseconds, PrimaryLink.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, failures - 1));
            total += TimeSpan.FromMilliseconds(longest ? ceiling : ceiling / 2);
            if (total > span)
            {
                return failures - 1;
            }
        }
    }
}
