using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Forwarding;

/// <summary>What the primary refuses reaches the forwarding caller as the exception a local write would throw.</summary>
public class ForwardedErrorTests
{
    [Fact]
    public async Task MinReplicasToWrite_OnThePrimary_SurfacesAsNotEnoughReplicas()
    {
        // The forwarding secondary is one good replica; the primary asks for two.
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.MinReplicasToWrite = 2);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer);
        await Poll.UntilAsync(() => primary.Core.Replicas.CountGoodReplicas() == 1, "the secondary to count as a good replica");

        var refused = await Assert.ThrowsAsync<NotEnoughReplicasException>(() => writer.Cache.SetStringAsync("k", "v"));
        Assert.Equal(NotEnoughReplicasException.DefaultMessage, refused.Message);
        Assert.Throws<NotEnoughReplicasException>(() => writer.Cache.SetString("k", "v"));
        Assert.Throws<NotEnoughReplicasException>(() => writer.Cache.Remove("k"));
        Assert.Null(primary.Cache.Get("k"));

        await using ReplicatedCacheNode second = await Nodes.StartSecondaryAsync(primary.Address);
        await Poll.UntilAsync(() => primary.Core.Replicas.CountGoodReplicas() == 2, "two good replicas");
        await writer.Cache.SetStringAsync("k", "v");
        Assert.Equal("v", writer.Cache.GetString("k"));
    }

    [Fact]
    public async Task BadArguments_SurfaceWithTheirTypeAndParameterName()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.SizeLimitBytes = 64 * 1024);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address);
        await ForwardingNodes.WaitUpAsync(writer);

        // Judged by the primary's clock, as a local write's would be.
        var past = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => writer.Cache.SetStringAsync("k", "v", new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddHours(-1) }));
        Assert.Equal(nameof(DistributedCacheEntryOptions.AbsoluteExpiration), past.ParamName);
        Assert.Contains("must be in the future", past.Message);

        // The primary's SizeLimitBytes: the entry alone is larger than the whole cache may be.
        var tooBig = Assert.Throws<ArgumentOutOfRangeException>(() => writer.Cache.Set("big", new byte[100_000], new DistributedCacheEntryOptions()));
        Assert.Equal("value", tooBig.ParamName);
        Assert.Contains("SizeLimitBytes", tooBig.Message);

        // Checked here before sending: the wire would change a key with an unpaired surrogate into another key.
        var badKey = await Assert.ThrowsAsync<ArgumentException>(() => writer.Cache.SetStringAsync("bad\uD800", "v"));
        Assert.Equal("key", badKey.ParamName);

        await writer.Cache.SetStringAsync("k", "fine");
        Assert.Equal("fine", writer.Cache.GetString("k"));
    }

    [Fact]
    public async Task RejectMode_IsUnchanged_AndRespWritesStayReadOnlyOnAForwardingSecondary()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode rejecting = await Nodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode forwarding = await RespNodes.StartSecondaryAsync(primary.Address, o => o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary);
        await ForwardingNodes.WaitUpAsync(rejecting, forwarding);

        Assert.Throws<ReadOnlyReplicaException>(() => rejecting.Cache.SetString("k", "v"));
        await Assert.ThrowsAsync<ReadOnlyReplicaException>(() => rejecting.Cache.RemoveAsync("k"));
        Assert.Equal(0, rejecting.Core.Links.Link!.Forwarder.WritesSent);

        await using RespTestClient resp = await RespTestClient.ConnectAsync(forwarding);
        object? reply = await resp.CallAsync("SET", "k", "v");
        Assert.StartsWith("READONLY", Assert.IsType<RespError>(reply).Message);
        Assert.Null(forwarding.Cache.Get("k"));
        Assert.Null(primary.Cache.Get("k"));
    }

    [Fact]
    public async Task Chain_ThroughARejectingMiddle_SurfacesReadOnly()
    {
        await using ReplicatedCacheNode top = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode middle = await Nodes.StartSecondaryAsync(top.Address);
        await ForwardingNodes.WaitUpAsync(middle);
        await using ReplicatedCacheNode bottom = await ForwardingNodes.StartForwardingSecondaryAsync(middle.Address);
        await ForwardingNodes.WaitUpAsync(bottom);

        await Assert.ThrowsAsync<ReadOnlyReplicaException>(() => bottom.Cache.SetStringAsync("k", "v"));
        Assert.Null(middle.Cache.Get("k"));
        Assert.Null(top.Cache.Get("k"));
    }

    [Fact]
    public async Task OversizedKeysAndValues_AreRefusedBeforeForwarding_AndTheLinkStaysUp()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync(o => o.MaxKeyBytes = 1024);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(primary.Address, o =>
        {
            o.MaxKeyBytes = 1024;
            o.MaxValueBytes = 4096;
        });
        await ForwardingNodes.WaitUpAsync(writer);
        string longKey = new('k', 2048);

        Assert.Contains("MaxKeyBytes", Assert.Throws<ArgumentException>(() => writer.Cache.Remove(longKey)).Message, StringComparison.Ordinal);
        Assert.Contains("MaxKeyBytes", (await Assert.ThrowsAsync<ArgumentException>(() => writer.Cache.RemoveAsync(longKey))).Message, StringComparison.Ordinal);
        Assert.Contains("MaxValueBytes", (await Assert.ThrowsAsync<ArgumentException>(() => writer.Cache.SetAsync("k", new byte[8192]))).Message, StringComparison.Ordinal);

        // Nothing reached the wire: the link is the same one, and an ordinary forwarded write still lands.
        Assert.Equal(PrimaryLinkStatus.Up, writer.Replication.GetInfo().LinkStatus);
        await writer.Cache.SetStringAsync("after", "fine");
        Assert.Equal("fine", primary.Cache.GetString("after"));
    }

    [Fact]
    public async Task Chain_ThroughAForwardingMiddle_LandsOnTheTop_AndEveryNodeReadsItsOwnWrites()
    {
        await using ReplicatedCacheNode top = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode middle = await ForwardingNodes.StartForwardingSecondaryAsync(top.Address);
        await ForwardingNodes.WaitUpAsync(middle);
        await using ReplicatedCacheNode bottom = await ForwardingNodes.StartForwardingSecondaryAsync(middle.Address);
        await ForwardingNodes.WaitUpAsync(bottom);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await bottom.Cache.SetStringAsync($"b{t}", $"{i}");
                Assert.Equal($"{i}", bottom.Cache.GetString($"b{t}"));
                await middle.Cache.SetStringAsync($"m{t}", $"{i}");
                Assert.Equal($"{i}", middle.Cache.GetString($"m{t}"));
            }
        })));

        bottom.Cache.Remove("b0");
        Assert.Null(bottom.Cache.Get("b0"));
        await Poll.UntilAsync(() => bottom.Replication.GetInfo().Offset == top.Replication.GetInfo().Offset, "the chain to catch up");
        Assert.Null(top.Cache.Get("b0"));
        Assert.Equal("99", top.Cache.GetString("b1"));
        Assert.Equal(top.Cache.GetDigest(), bottom.Cache.GetDigest());
        Assert.Equal(top.Cache.GetDigest(), middle.Cache.GetDigest());
    }
}
