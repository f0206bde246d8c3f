using System.Text;
using Microsoft.Extensions.Time.Testing;
using ReplCache.Storage;

namespace ReplCache.Tests.Storage;

/// <summary>A store leads (decides and reports), follows (neither), or runs unreported for a snapshot load.</summary>
public class StoreRoleTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public void NewStore_IsAuthoritative_AndRemovesExpiredEntriesOnItsOwn()
    {
        using var store = new CacheStore(_clock, null);
        Assert.True(store.IsAuthoritative);
        store.Set("k", "v"u8, _clock.GetUtcNow().ToUnixTimeMilliseconds() + 10, 0, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        _clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.False(store.ContainsLive("k"u8));
        Assert.Equal(0, store.PhysicalCount);
        Assert.Equal(1, store.Expirations);
    }

    [Fact]
    public void Lead_ReportsEveryChange_InTheStoresOrder()
    {
        using var store = new CacheStore(_clock, null);
        var observer = new RecordingObserver();
        store.Lead(observer);

        store.Set("a", "1"u8, 0, 0, 0);
        store.Remove("a");
        store.ApplySet("b"u8, "2"u8, 0, 0, 0);
        store.Clear();

        Assert.Equal(["set a", "removed a Removed", "set b", "cleared"], observer.Events);
    }

    [Fact]
    public void Follow_HidesExpiredEntries_ButNeverRemovesOrReports()
    {
        using var store = new CacheStore(_clock, null);
        var observer = new RecordingObserver();
        store.Lead(observer);
        store.Follow();
        Assert.False(store.IsAuthoritative);

        store.ApplySet("k"u8, "v"u8, _clock.GetUtcNow().ToUnixTimeMilliseconds() + 10, 0, 0);
        _clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.False(store.ContainsLive("k"u8));
        Assert.Equal(0, store.RunExpiryCycle());
        Assert.Throws<ReadOnlyReplicaException>(() => store.RemoveLive("k"u8));
        Assert.Equal(1, store.PhysicalCount); // its primary's removal will come
        Assert.Empty(observer.Events);
    }

    /// <summary>
    /// Regression: a write of the node's own that passed the door's READONLY check as a primary and took the write
    /// lock only after a step down (FAILOVER, REPLICAOF) was applied to the secondary unreported, so it held a key
    /// its new primary never had. Every local write now checks the role again under the lock.
    /// </summary>
    [Fact]
    public void Follow_RefusesEveryWriteOfItsOwn_UnderTheLock_AndStillAppliesItsPrimarys()
    {
        using var store = new CacheStore(_clock, null);
        var observer = new RecordingObserver();
        store.Lead(observer);
        store.Set("kept", "v"u8, 0, 0, 0);
        store.Follow();

        Assert.Throws<ReadOnlyReplicaException>(() => store.Set("new", "v"u8, 0, 0, 0));
        Assert.Throws<ReadOnlyReplicaException>(() => store.Set("new", new System.Buffers.ReadOnlySequence<byte>("v"u8.ToArray()), 0, 0, 0));
        Assert.Throws<ReadOnlyReplicaException>(() => store.Remove("kept"));
        Assert.Throws<ReadOnlyReplicaException>(() => store.SetIf("new"u8, "v"u8, 0, SetCondition.Always, keepTtl: false));
        Assert.Throws<ReadOnlyReplicaException>(() => store.RemoveLive("kept"u8));
        Assert.Throws<ReadOnlyReplicaException>(() => store.SetExpiry("kept"u8, 1, ExpireCondition.None));
        Assert.Throws<ReadOnlyReplicaException>(() => store.Persist("kept"u8));
        Assert.Equal(1, store.PhysicalCount);
        Assert.False(store.ContainsLive("new"u8));

        store.ApplySet("applied"u8, "v"u8, 0, 0, 0);
        store.ApplyRemove("kept"u8);
        Assert.True(store.ContainsLive("applied"u8));
        Assert.False(store.ContainsLive("kept"u8));
        Assert.Equal(["set kept"], observer.Events);
    }

    [Fact]
    public void RunUnreported_KeepsTheRole_AndReportsAgainAfterwards()
    {
        using var store = new CacheStore(_clock, null);
        var observer = new RecordingObserver();
        store.Lead(observer);

        int loaded = store.RunUnreported(() =>
        {
            store.Clear();
            store.ApplySet("loaded"u8, "v"u8, 0, 0, 0);
            return store.PhysicalCount;
        });
        store.Set("after", "v"u8, 0, 0, 0);

        Assert.Equal(1, loaded);
        Assert.True(store.IsAuthoritative);
        Assert.Equal(["set after"], observer.Events);
    }

    [Fact]
    public void RunUnreported_ReportsAgain_WhenTheActionThrows()
    {
        using var store = new CacheStore(_clock, null);
        var observer = new RecordingObserver();
        store.Lead(observer);

        Assert.Throws<InvalidDataException>(() => store.RunUnreported<int>(() => throw new InvalidDataException()));
        store.Set("after", "v"u8, 0, 0, 0);

        Assert.Equal(["set after"], observer.Events);
    }

    [Fact]
    public void SlidingRenewed_HearsTheKeyOfEachRenewal()
    {
        using var store = new CacheStore(_clock, null);
        var renewed = new List<string>();
        store.SlidingRenewed = key => renewed.Add(Encoding.UTF8.GetString(key));
        long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        store.Set("k", "v"u8, 0, 1_000, now);
        _clock.Advance(TimeSpan.FromMilliseconds(500));

        using StoreReadScope scope = store.BeginRead();
        Assert.True(store.TryGetValue(scope, "k", renewSliding: true, out ReadOnlySpan<byte> value));
        Assert.Equal("v", Encoding.UTF8.GetString(value));
        Assert.Equal(["k"], renewed);
    }

    [Fact]
    public void SetIf_WithGet_GivesThePreviousValue()
    {
        using var store = new CacheStore(_clock, null);
        using StoreReadScope scope = store.BeginRead();
        Assert.True(store.SetIf(scope, "k"u8, "one"u8, 0, SetCondition.Always, keepTtl: false, out bool hadBefore, out _));
        Assert.False(hadBefore);

        Assert.False(store.SetIf(scope, "k"u8, "two"u8, 0, SetCondition.IfAbsent, keepTtl: false, out bool had, out ReadOnlySpan<byte> previous));
        Assert.True(had);
        Assert.Equal("one", Encoding.UTF8.GetString(previous));
    }

    private sealed class RecordingObserver : IStoreObserver
    {
        public List<string> Events { get; } = [];

        public void OnSet(Entry entry, long slidingDeadlineMs) => Events.Add("set " + Encoding.UTF8.GetString(EntryLayout.Key(entry)));

        public void OnRemoved(ReadOnlySpan<byte> key, RemovalReason reason) => Events.Add($"removed {Encoding.UTF8.GetString(key)} {reason}");

        public void OnTouched(ReadOnlySpan<byte> key, long deadline) => Events.Add("touched " + Encoding.UTF8.GetString(key));

        public void OnCleared() => Events.Add("cleared");
    }
}
