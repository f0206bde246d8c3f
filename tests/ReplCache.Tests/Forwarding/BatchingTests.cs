using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication.Secondary;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Forwarding;

/// <summary>Forwarded writes share the link's one connection, batched, with bounded memory.</summary>
public class BatchingTests
{
    [Fact]
    public async Task TenThousandConcurrentWrites_GoOverOneConnection_InBatches_AndAllLand()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(60));
        await ForwardingNodes.WaitUpAsync(writer);
        // REPLICAOF's loop check (Describe) used a connection of its own before the link's; the link holds one.
        int connectionsBefore = proxy.ConnectionsAccepted;

        const int Writes = 10_000;
        Assert.True(Writes > WriteForwarder.MaxPendingWrites, "the test must also exercise waiting for a slot");
        Task[] all = Enumerable.Range(0, Writes).Select(i => writer.Cache.SetStringAsync($"k{i}", $"v{i}")).ToArray();
        await Task.WhenAll(all);

        WriteForwarder forwarder = writer.Core.Links.Link!.Forwarder;
        Assert.Equal(Writes, forwarder.WritesSent);
        Assert.True(forwarder.BatchesSent < Writes / 10, $"{forwarder.BatchesSent} messages for {Writes} writes: not batched");
        Assert.Equal(0, forwarder.Pending);
        Assert.Equal(connectionsBefore, proxy.ConnectionsAccepted); // no connection per write, no reconnect
        Assert.Equal(Writes, writer.Cache.Count);
        Assert.Equal(Writes, primary.Cache.Count);
        Assert.Equal("v9999", primary.Cache.GetString("k9999"));
    }
}
