using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Persistence;

/// <summary>SnapshotInterval and SnapshotMinChanges: Redis's "save 60 3", on a fake clock.</summary>
public sealed class ScheduledSaveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-schedule-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SavesOnlyOnceTheIntervalHasPassed_AndEnoughChangesWereMade()
    {
        string file = Path.Combine(_dir, "scheduled.rcs");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.SnapshotPath = file;
            o.SnapshotInterval = TimeSpan.FromSeconds(60);
            o.SnapshotMinChanges = 3;
            o.TimeProvider = clock;
        });

        node.Cache.SetString("a", "1");
        node.Cache.SetString("b", "2");
        for (int second = 0; second < 90; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(File.Exists(file), "two changes are fewer than SnapshotMinChanges");

        node.Cache.SetString("c", "3");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => File.Exists(file), "the scheduled save");

        await using ReplicatedCacheNode loaded = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = file);
        Assert.Equal("3", loaded.Cache.GetString("c"));
        Assert.Equal(3, loaded.Cache.Count);
    }

    [Fact]
    public void SnapshotIntervalWithoutPath_IsRefusedAtStartup()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ReplCache.Hosting.ReplicatedCacheOptionsValidator.ThrowIfInvalid(new ReplicatedCacheOptions { SnapshotInterval = TimeSpan.FromMinutes(1) }));
        Assert.Contains("SnapshotInterval", error.Message);
        Assert.Contains("SnapshotPath", error.Message);
    }
}
