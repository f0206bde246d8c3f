using Microsoft.Extensions.Caching.Distributed;
using System.Diagnostics;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Forwarding;

/// <summary>Link down, a stalled primary, a link lost mid-write, cancellation: clear failures, never a hang.</summary>
public class ForwardingFaultTests
{
    [Fact]
    public async Task LinkDown_FailsAtOnce_WithoutWaitingForTheTimeout()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(30));
        await ForwardingNodes.WaitUpAsync(writer);
        await writer.Cache.SetStringAsync("before", "1");

        proxy.Refuse(true);
        proxy.KillAll();
        await Poll.UntilAsync(() => writer.Replication.GetInfo().LinkStatus != PrimaryLinkStatus.Up, "the link to go down");

        var clock = Stopwatch.StartNew();
        var down = await Assert.ThrowsAsync<WriteForwardingException>(() => writer.Cache.SetStringAsync("during", "2"));
        Assert.Throws<WriteForwardingException>(() => writer.Cache.SetString("during", "2"));
        Assert.Throws<WriteForwardingException>(() => writer.Cache.Remove("before"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.False(down.MayHaveBeenApplied);
        Assert.Contains("Cannot forward the write: the link to the primary at " + proxy.Address, down.Message);
        Assert.Contains("not applied", down.Message);

        // Reads and refreshes keep working on the stale data; writes resume with the link.
        Assert.Equal("1", writer.Cache.GetString("before"));
        writer.Cache.Refresh("before");
        proxy.Refuse(false);
        await ForwardingNodes.WaitUpAsync(writer);
        await writer.Cache.SetStringAsync("after", "3");
        Assert.Equal("3", writer.Cache.GetString("after"));
        Assert.Null(primary.Cache.Get("during"));
    }

    [Fact]
    public async Task StalledPrimary_TimesOut_AndTheWriteMayStillBeApplied()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(1));
        await ForwardingNodes.WaitUpAsync(writer);

        proxy.Stall(); // nothing comes back from the primary; the write still goes up
        var clock = Stopwatch.StartNew();
        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => writer.Cache.SetStringAsync("k", "v"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5)); // the link's own timeout is 5 s
        Assert.Contains("ForwardedWriteTimeout", timedOut.Message);
        Assert.Contains("may or may not have been applied", timedOut.Message);
        Assert.Throws<TimeoutException>(() => writer.Cache.SetString("k2", "v2"));

        // A timed-out write is not recalled: this one reached the primary (whether k2 did depends on whether it was
        // sent before its caller gave up, which the test does not control).
        await Poll.UntilAsync(() => primary.Cache.GetString("k") == "v", "the primary to have applied the write that timed out");
        proxy.Resume();
        await Poll.UntilAsync(() => writer.Cache.GetString("k") == "v", "the writer to receive the late write");
        await writer.Cache.SetStringAsync("k3", "v3");
        Assert.Equal("v3", writer.Cache.GetString("k3"));
        await Poll.UntilAsync(() => writer.Core.Links.Link!.Forwarder.Pending == 0, "every slot to be free again");
    }

    [Fact]
    public async Task LinkLostWithAWriteInFlight_FailsSayingItMayHaveBeenApplied()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(30));
        await ForwardingNodes.WaitUpAsync(writer);

        proxy.Stall();
        Task inFlight = writer.Cache.SetStringAsync("k", "v");
        await Poll.UntilAsync(() => primary.Cache.GetString("k") == "v", "the primary to apply the write");
        Assert.False(inFlight.IsCompleted);

        var clock = Stopwatch.StartNew();
        proxy.KillAll();
        var lost = await Assert.ThrowsAsync<WriteForwardingException>(() => inFlight);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(lost.MayHaveBeenApplied);
        Assert.Contains("may or may not have been applied", lost.Message);
        Assert.Equal(0, writer.Core.Links.Link!.Forwarder.Pending);
    }

    [Fact]
    public async Task Cancellation_EndsTheWaitAtOnce()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(30));
        await ForwardingNodes.WaitUpAsync(writer);

        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.Cache.SetStringAsync("k", "v", new(), new CancellationToken(canceled: true)));

        proxy.Stall();
        Task waiting = writer.Cache.RemoveAsync("k", cancel.Token);
        Assert.False(waiting.IsCompleted);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        proxy.Resume();
        await Poll.UntilAsync(() => writer.Core.Links.Link!.Forwarder.Pending == 0, "the cancelled write to be answered and its slot freed");
    }

    [Fact]
    public async Task SyncSet_UnderASynchronizationContext_NeverPostsToIt()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer);

        var context = new RefusingContext();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                for (int i = 0; i < 50; i++)
                {
                    writer.Cache.SetString("k", $"{i}");
                    if (writer.Cache.GetString("k") != $"{i}")
                    {
                        throw new InvalidOperationException($"read {writer.Cache.GetString("k")} after writing {i}");
                    }
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the synchronous writes did not finish");
        Assert.Null(failure);
        Assert.Equal(0, context.Posts);
    }

    /// <summary>A UI-like context that would deadlock anything posted to it while its thread is blocked.</summary>
    private sealed class RefusingContext : SynchronizationContext
    {
        public int Posts;

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref Posts);

        public override void Send(SendOrPostCallback d, object? state) => Interlocked.Increment(ref Posts);
    }
}
