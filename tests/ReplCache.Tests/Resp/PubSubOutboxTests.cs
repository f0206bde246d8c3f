using Microsoft.Extensions.Time.Testing;
using ReplCache.Resp.PubSub;

namespace ReplCache.Tests.Resp;

/// <summary>The bound on a subscriber's waiting messages: Redis's client-output-buffer-limit pubsub, hard and soft.</summary>
public sealed class PubSubOutboxTests
{
    [Fact]
    public void PastTheHardLimit_TheFrameIsRefused_AndOnlyTheFirstRefusalSaysSo()
    {
        var outbox = new PubSubOutbox(hardLimitBytes: 100, softLimitBytes: 100, TimeSpan.FromSeconds(60), new FakeTimeProvider());
        outbox.Open();
        Assert.True(outbox.TryAdd(new byte[60], out _));
        Assert.True(outbox.TryAdd(new byte[40], out _));
        Assert.False(outbox.TryAdd(new byte[1], out bool first));
        Assert.True(first);
        Assert.False(outbox.TryAdd(new byte[1], out first));
        Assert.False(first);
        Assert.True(outbox.Overflowed);
        Assert.Equal(100, outbox.Bytes);
    }

    [Fact]
    public void AboveTheSoftLimit_ForTheWholePeriod_Overflows_WhileDrainingBelowItRestartsTheClock()
    {
        var time = new FakeTimeProvider();
        var outbox = new PubSubOutbox(hardLimitBytes: 1000, softLimitBytes: 100, TimeSpan.FromSeconds(60), time);
        outbox.Open();
        Assert.True(outbox.TryAdd(new byte[150], out _)); // above soft: the clock starts
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(outbox.TryAdd(new byte[10], out _));
        Assert.True(outbox.TryTake(out _)); // 10 left: below soft, the clock stops
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(outbox.TryAdd(new byte[150], out _)); // above again: a new period starts now
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(outbox.TryAdd(new byte[1], out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(outbox.TryAdd(new byte[1], out bool first));
        Assert.True(first);
    }

    [Fact]
    public void FramesComeOutInOrder_AndClearEmptiesIt()
    {
        var outbox = new PubSubOutbox(new FakeTimeProvider());
        outbox.Open();
        byte[] a = [1], b = [2, 2];
        outbox.TryAdd(a, out _);
        outbox.TryAdd(b, out _);
        Assert.True(outbox.TryTake(out byte[] taken));
        Assert.Same(a, taken);
        outbox.Clear();
        Assert.False(outbox.TryTake(out _));
        Assert.Equal(0, outbox.Bytes);
    }

    [Fact]
    public void AClosedOutbox_RefusesSilently_UntilOpened()
    {
        var outbox = new PubSubOutbox(new FakeTimeProvider());
        Assert.False(outbox.TryAdd([1], out bool first)); // new: nothing subscribed yet
        Assert.False(first);
        outbox.Open();
        Assert.True(outbox.TryAdd([1], out _));
        outbox.Close();
        Assert.False(outbox.TryAdd([2], out first));
        Assert.False(first);
        Assert.False(outbox.Overflowed);
        Assert.True(outbox.TryTake(out byte[] kept)); // what came before the close stays, to be written
        Assert.Equal([1], kept);
    }
}
