using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Hosting;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Server;

/// <summary>SnapshotSavePoints: several of Redis's "save &lt;seconds&gt; &lt;changes&gt;" points, any one of which triggers a save.</summary>
public sealed class SavePointScheduleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-savepoints-").FullName;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File_ => Path.Combine(_dir, "points.rcs");

    [Fact]
    public async Task SavesWhenAnyPointIsSatisfied_AndEachSaveRestartsEveryPoint()
    {
        await using ReplicatedCacheNode node = await StartAsync(new(TimeSpan.FromSeconds(3600), 1), new(TimeSpan.FromSeconds(60), 3));

        for (int i = 0; i < 3; i++)
        {
            node.Cache.SetString($"k{i}", "v");
        }

        AdvanceSeconds(59);
        Assert.False(File.Exists(File_), "59 s is short of the 60 s point, and the 3600 s point is far off");

        AdvanceSeconds(1);
        await WaitForScheduledSaveAsync(node, "the 60 s / 3 changes point");

        File.Delete(File_);
        node.Cache.SetString("k3", "v");
        AdvanceSeconds(120);
        Assert.False(File.Exists(File_), "one change since the last save satisfies only the 3600 s point, whose clock restarted at that save");

        AdvanceSeconds(3600 - 120);
        await WaitForScheduledSaveAsync(node, "the 3600 s / 1 change point");
        await using ReplicatedCacheNode loaded = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = File_);
        Assert.Equal(4, loaded.Cache.Count);
    }

    [Fact]
    public async Task AnExplicitSave_RestartsTheSchedule_AsRedisLastsave()
    {
        await using ReplicatedCacheNode node = await StartAsync(new SnapshotSavePoint(TimeSpan.FromSeconds(60), 1));
        node.Cache.SetString("a", "1");
        AdvanceSeconds(30);
        await node.SaveAsync();
        File.Delete(File_);

        node.Cache.SetString("b", "2");
        AdvanceSeconds(59);
        Assert.False(File.Exists(File_), "59 s since the explicit save is short of the 60 s point");

        AdvanceSeconds(1);
        await WaitForScheduledSaveAsync(node, "60 s after the explicit save");
    }

    [Fact]
    public async Task TheIntervalPair_StillCounts_BesideTheList()
    {
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = File_;
            o.SnapshotSavePoints = [new(TimeSpan.FromSeconds(3600), 1)];
            o.SnapshotInterval = TimeSpan.FromSeconds(10);
            o.SnapshotMinChanges = 1;
            o.TimeProvider = _clock;
        });
        node.Cache.SetString("a", "1");
        AdvanceSeconds(10);
        await WaitForScheduledSaveAsync(node, "the SnapshotInterval pair");
    }

    [Fact]
    public void BadSavePoints_AreRefused_NamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ReplicatedCacheOptionsValidator.ThrowIfInvalid(new ReplicatedCacheOptions
        {
            SnapshotPath = File_,
            SnapshotSavePoints = [new(TimeSpan.FromSeconds(60), 1), new(TimeSpan.Zero, 1), new(TimeSpan.FromSeconds(1), 0)],
        }));
        Assert.Contains("SnapshotSavePoints[1]", error.Message);
        Assert.Contains("SnapshotSavePoints[2]", error.Message);
        Assert.DoesNotContain("SnapshotSavePoints[0]", error.Message);

        var noPath = Assert.Throws<OptionsValidationException>(() => ReplicatedCacheOptionsValidator.ThrowIfInvalid(new ReplicatedCacheOptions
        {
            SnapshotSavePoints = [new(TimeSpan.FromSeconds(60), 1)],
        }));
        Assert.Contains("SnapshotSavePoints needs SnapshotPath", noPath.Message);
    }

    private Task<ReplicatedCacheNode> StartAsync(params SnapshotSavePoint[] points) =>
        Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = File_;
            o.SnapshotSavePoints = points;
            o.TimeProvider = _clock;
        });

    /// <summary>One second at a time, so the schedule's timer ticks at every second as on a real clock.</summary>
    private void AdvanceSeconds(int seconds)
    {
        for (int i = 0; i < seconds; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Until the file is there and the save has finished, so the next tick is free to start another.</summary>
    private Task WaitForScheduledSaveAsync(ReplicatedCacheNode node, string what) =>
        Poll.UntilAsync(() => File.Exists(File_) && !node.Core.Schedule.IsSaveRunning, what);
}
