using ReplCache.FaultInjection;
using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;
using ReplCache.Tests.EndToEnd;
using Xunit.Abstractions;

namespace ReplCache.Tests.FaultInjection;

/// <summary>
/// The fault-injection runner's short seeded run, in the suite: a minute of faults against a replcache-server group
/// and against a redis-server group under the same Sentinels, seed and schedule. What must hold on ReplCache whatever
/// the timing: no resurrection, no time travel, no read past expiry, equal digests after healing, no full-sync loop,
/// no crash, bounded memory, nothing lost under a coordinated FAILOVER. The lost-writes table of both is printed; its
/// row-by-row comparison is the long run's (the README's), since a minute of faults gives counts that move with timing.
/// </summary>
[Trait("Category", "Long")]
public sealed class ShortFaultRunTests(ITestOutputHelper output)
{
    private const int Seed = 1;
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
        Assert.Equal(0, replcache.LostUnderCoordinatedFailover);
        Assert.All(replcache.MaxRssBytes, rss => Assert.InRange(rss, 1, 512L * 1024 * 1024));
    }
}
