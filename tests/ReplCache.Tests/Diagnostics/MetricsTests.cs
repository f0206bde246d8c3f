using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Diagnostics;

/// <summary>The ReplCache meter read as a dashboard reads it, through MetricCollector, on real nodes.</summary>
public class MetricsTests
{
    [Fact]
    public async Task CacheRequests_AreCountedByResult_ThroughTheHostsMeterFactory()
    {
        await using ServiceProvider provider = new ServiceCollection().AddReplicatedCache(o => o.NodeId = "metrics-node").BuildServiceProvider();
        IMeterFactory meters = provider.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, ReplCacheInstruments.MeterName, ReplCacheInstruments.Requests);
        IDistributedCache cache = provider.GetRequiredService<IDistributedCache>();

        Assert.Null(cache.GetString("k"));
        cache.SetString("k", "v");
        Assert.Equal("v", cache.GetString("k"));
        Assert.Equal("v", cache.GetString("k"));

        IReadOnlyList<CollectedMeasurement<long>> seen = requests.GetMeasurementSnapshot();
        Assert.Equal(2, seen.Count(m => m.Tags[ReplCacheInstruments.ResultTag] as string == "hit"));
        Assert.Equal(1, seen.Count(m => m.Tags[ReplCacheInstruments.ResultTag] as string == "miss"));
        Assert.Equal("requests", requests.Instrument!.Name.Split('.')[^1]);
        Assert.Equal("{request}", requests.Instrument.Unit);
        Assert.Contains(requests.Instrument.Meter.Tags!, t => t.Key == ReplCacheInstruments.NodeTag && (string?)t.Value == "metrics-node");
    }

    [Fact]
    public async Task ReplicationFigures_OnBothSides_MatchGetInfo()
    {
        using ServiceProvider primaryMeters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using ServiceProvider secondaryMeters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory onPrimary = primaryMeters.GetRequiredService<IMeterFactory>();
        IMeterFactory onSecondary = secondaryMeters.GetRequiredService<IMeterFactory>();
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(), Nodes.LoggerFactory, onPrimary);
        for (int i = 0; i < 100; i++)
        {
            primary.Cache.SetString($"k{i}", new string('x', 100));
        }

        await using ReplicatedCacheNode secondary = await ReplicatedCacheNode.StartAsync(Nodes.Options(primary.Address, o => o.NodeId = "the-secondary"), Nodes.LoggerFactory, onSecondary);
        await Nodes.WaitInSyncAsync(primary, secondary);
        primary.Cache.SetString("after", "sync");
        await Nodes.WaitInSyncAsync(primary, secondary);
        long offset = primary.Replication.GetInfo().Offset;

        Assert.Equal(offset, Last<long>(onPrimary, ReplCacheInstruments.Offset).Value);
        Assert.Equal(offset, Last<long>(onSecondary, ReplCacheInstruments.Offset).Value);
        Assert.Equal(101, Last<long>(onSecondary, ReplCacheInstruments.Entries).Value);
        Assert.True(Last<long>(onPrimary, ReplCacheInstruments.Sent).Value > 100 * 100, "the snapshot's bytes count as sent");
        Assert.True(Last<long>(onSecondary, ReplCacheInstruments.Received).Value > 100 * 100, "and as received");

        IReadOnlyList<CollectedMeasurement<long>> syncs = Snapshot<long>(onPrimary, ReplCacheInstruments.Syncs);
        Assert.Equal(1, syncs.Single(m => m.Tags[ReplCacheInstruments.KindTag] as string == "full").Value);
        Assert.Equal(0, syncs.Single(m => m.Tags.TryGetValue(ReplCacheInstruments.ResultTag, out object? r) && r as string == "rejected").Value);

        await Poll.UntilAsync(
            () => Snapshot<long>(onPrimary, ReplCacheInstruments.ReplicaLag).SingleOrDefault(m => m.Tags[ReplCacheInstruments.ReplicaTag] as string == "the-secondary") is { Value: 0 },
            "the replica's lag to read 0 once it acknowledged");
        Assert.Contains(Snapshot<double>(onPrimary, ReplCacheInstruments.ReplicaLagTime), m => m.Tags[ReplCacheInstruments.ReplicaTag] as string == "the-secondary");

        IReadOnlyList<CollectedMeasurement<int>> states = Snapshot<int>(onSecondary, ReplCacheInstruments.LinkState);
        Assert.Equal("up", states.Single(m => m.Value == 1).Tags[ReplCacheInstruments.StateTag]);
        Assert.Equal("none", Snapshot<int>(onPrimary, ReplCacheInstruments.LinkState).Single(m => m.Value == 1).Tags[ReplCacheInstruments.StateTag]);
    }

    [Fact]
    public async Task ExpirationsAndEvictions_AreCounted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        using ServiceProvider meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = meters.GetRequiredService<IMeterFactory>();
        await using ReplicatedCacheNode node = await ReplicatedCacheNode.StartAsync(
            Nodes.Options(configure: o => { o.TimeProvider = time; o.SizeLimitBytes = 64 * 1024; }), Nodes.LoggerFactory, factory);

        node.Cache.SetString("short", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(node.Cache.GetString("short")); // the read finds it expired and removes it
        Assert.Equal(1, Last<long>(factory, ReplCacheInstruments.Expirations).Value);

        byte[] value = new byte[1024];
        for (int i = 0; i < 200; i++)
        {
            node.Cache.Set($"big{i}", value);
        }

        Assert.True(Last<long>(factory, ReplCacheInstruments.Evictions).Value > 100, "200 KiB into a 64 KiB bound evicts");
        Assert.True(Last<long>(factory, ReplCacheInstruments.Size).Value <= 64 * 1024);
    }

    private static IReadOnlyList<CollectedMeasurement<T>> Snapshot<T>(IMeterFactory factory, string instrument)
        where T : struct
    {
        using var collector = new MetricCollector<T>(factory, ReplCacheInstruments.MeterName, instrument);
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot();
    }

    private static CollectedMeasurement<T> Last<T>(IMeterFactory factory, string instrument)
        where T : struct =>
        Snapshot<T>(factory, instrument).Last();
}
