using ReplCache.FaultInjection;
using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;
using ReplCache.FaultInjection.Nemeses;
using ReplCache.Tests.EndToEnd;
using Xunit.Abstractions;

namespace ReplCache.Tests.FaultInjection;

/// <summary>
/// The fault-injection runner's short seeded run, in the suite: a minute of faults against a replcache-server group
/// and against a redis-server group under the same Sentinels, seed and schedule. What must hold on ReplCache whatever
/// the timing: no resurrection, no time travel, no read past expiry, equal digests after healing, no full-sync loop,
/// no crash, bounded memory, and no write acknowledged before a coordinated FAILOVER missing on the new primary once
/// it took over. The lost-writes table of both is printed; its row-by-row comparison is the long run's (the README's),
/// since a minute of faults gives counts that move with timing.
/// </summary>
/// <remarks>
/// Seed 6 draws a slowed primary, then a coordinated FAILOVER about 12 s in, with some thousands of writes behind
/// it, then a primary restarted empty, a secondary cut off past its backlog and a secondary re-pointed by hand
/// (<c>--seed 6 --seconds 60 --print-schedule</c>). The FAILOVER is checked the moment it hands over, not at the
/// end: the Sentinels then see their master report <c>role:slave</c> and fail over again to a node of their own
/// choosing (Redis #13118), and what that loses is charged like any other Sentinel failover, on both servers.
/// </remarks>
[Trait("Category", "Long")]
public sealed class ShortFaultRunTests(ITestOutputHelper output)
{
    private const int Seed = 6;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    [RequiresRedisToolsFact("redis-server")]
    public async Task AMinuteOfFaults_KeepsReplCachesInvariants_BesideRedis()
    {
        NodeProcess.ReplCacheServerDll ??= Locate.ReplCacheServer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        RunResult replcache = await FaultRunner.RunAsync(ServerKind.ReplCache, Seed, Duration, output.WriteLine, timeout.Token);
        RunResult redis = await FaultRunner.RunAsync(ServerKind.Redis, Seed, Duration, output.WriteLine, timeout.Token);
        output.WriteLine(Report.Markdown([replcache, redis], Duration));

        Assert.True(replcache.TotalAcknowledged > 500, $"only {replcache.TotalAcknowledged} writes were acknowledged: the workload did not run");
        Assert.Equal(0, replcache.Crashes);
        Assert.False(replcache.FullSyncLoop, "a node served a full-sync loop");
        Assert.True(replcache.DigestsEqual, "digests differ after healing:\n" + string.Join("\n", replcache.Divergence));
        Assert.Equal(0, replcache.TimeTravels);
        Assert.True(replcache.ExpiryReadsChecked > 0, "no read came after a deadline: the expiry check checked nothing");
        Assert.Equal(0, replcache.ReadsPastExpiry);
        Assert.Equal(0, replcache.Resurrected);
        Assert.Contains(replcache.Schedule, f => f.Fault == Fault.CoordinatedFailover && f.Ended > TimeSpan.Zero);
        HandoverCheck handover = Assert.Single(replcache.Handovers);
        Assert.True(handover.Checked > 100, $"only {handover.Checked} writes were checked at the coordinated handover");
        Assert.Equal(0, replcache.LostAtHandoverWithWait);
        Assert.Equal(0, replcache.LostAtHandoverPlain);
        Assert.All(replcache.MaxRssBytes, rss => Assert.InRange(rss, 1, 512L * 1024 * 1024));
    }
}
