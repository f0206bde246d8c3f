using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Replication.Secondary;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Forwarding;

/// <summary>Forwarded writes share the link's one connection, batched, with bounded memory.</summary>
public class BatchingTests
{
    [Fact]
    public async Task TenThousandConcurrentWrites_GoOverAFixedFewConnections_InBatches_AndAllLand()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode writer = await ForwardingNodes.StartForwardingSecondaryAsync(proxy.Address, o => o.ForwardedWriteTimeout = TimeSpan.FromSeconds(60));
        await ForwardingNodes.WaitUpAsync(writer);
        // REPLICAOF's loop check (Describe) used a connection of its own before the link's; the link holds its Follow
        // call's, opens ReportWriter.MaxReportsInFlight for its Report calls at once (HTTP/1.1: a call per connection),
        // and at most as many more if its calls find those still busy with their first, empty Reports.
        int connectionsBefore = proxy.ConnectionsAccepted;

        const int Writes = 10_000;
        Assert.True(Writes > WriteForwarder.MaxPendingWrites, "the test must also exercise waiting for a slot");
        Task[] all = Enumerable.Range(0, Writes).Select(i => writer.Cache.SetStringAsync($"k{i}", $"v{i}")).ToArray();
        await Task.WhenAll(all);

        WriteForwarder forwarder = writer.Core.Links.Link!.Forwarder;
        // A write's answer (on the Follow stream) may come back before its Report call's own reply is read.
        await Poll.UntilAsync(() => forwarder.WritesSent == Writes, "every Report call to complete");
        Assert.True(forwarder.BatchesSent < Writes / 10, $"{forwarder.BatchesSent} messages for {Writes} writes: not batched");
        Assert.Equal(0, forwarder.Pending);
        // No connection per write and no reconnect: at most the Report connections the link may open.
        Assert.InRange(proxy.ConnectionsAccepted - connectionsBefore, 0, 2 * ReportWriter.MaxReportsInFlight);
        Assert.Equal(Writes, writer.Cache.Count);
        Assert.Equal(Writes, primary.Cache.Count);
        Assert.Equal("v9999", primary.Cache.GetString("k9999"));
    }
}
