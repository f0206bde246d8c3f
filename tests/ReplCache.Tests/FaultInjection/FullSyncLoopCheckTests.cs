using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Nemeses;

namespace ReplCache.Tests.FaultInjection;

/// <summary>
/// The fault runner's full-sync loop check counts the resyncs each secondary received, so one primary serving a
/// full sync to each of several secondaries is no loop, and one secondary resyncing again and again is.
/// </summary>
public sealed class FullSyncLoopCheckTests
{
    private static readonly ScheduledFault[] Schedule =
    [
        new(0, Fault.SentinelFailover, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), Pick: 0) { Began = TimeSpan.FromSeconds(1237), Ended = TimeSpan.FromSeconds(1239) },
        new(1, Fault.RestartPrimaryEmpty, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), Pick: 0) { Began = TimeSpan.FromSeconds(1246), Ended = TimeSpan.FromSeconds(1248) },
    ];

    [Fact]
    public void AFailoverAndAnEmptyRestartNineSecondsApart_ResyncingTwoSecondaries_IsNoLoop()
    {
        // The 30-minute run's false alarm, in a group of three: node 1 served one full sync after the failover and
        // three after its empty restart, to its two secondaries; neither resynced more than twice.
        (int, TimeSpan)[] resyncs = [(2, S(1239.0)), (0, S(1247.9)), (2, S(1248.2)), (0, S(1248.7))];

        Assert.Empty(FullSyncLoopCheck.Bursts(resyncs, Schedule));
    }

    [Fact]
    public void OneSecondaryResyncingFourTimes_WithinTenSeconds_IsALoop_NamingTheFaultsThen()
    {
        (int, TimeSpan)[] resyncs = [(2, S(1239.0)), (2, S(1241.5)), (0, S(1242.0)), (2, S(1244.0)), (2, S(1247.5))];

        string burst = Assert.Single(FullSyncLoopCheck.Bursts(resyncs, Schedule));
        Assert.Contains("node 2", burst, StringComparison.Ordinal);
        Assert.Contains("1239.0, 1241.5, 1244.0, 1247.5", burst, StringComparison.Ordinal);
        Assert.Contains("SentinelFailover", burst, StringComparison.Ordinal);
        Assert.Contains("RestartPrimaryEmpty", burst, StringComparison.Ordinal);
    }

    [Fact]
    public void OneSecondaryResyncingFourTimes_SpreadOverMoreThanTenSeconds_IsNoLoop()
    {
        (int, TimeSpan)[] resyncs = [(1, S(100)), (1, S(104)), (1, S(108)), (1, S(110.5))];

        Assert.Empty(FullSyncLoopCheck.Bursts(resyncs, Schedule));
    }

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);
}
