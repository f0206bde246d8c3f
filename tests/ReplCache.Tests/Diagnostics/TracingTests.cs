using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Diagnostics;

/// <summary>
/// The ReplCache activity source, heard through an ActivityListener: a span for each piece of remote work, on both
/// sides of a link, with OpenTelemetry's database tags — and none for local reads and writes, nor for RESP commands
/// unless asked for.
/// </summary>
public sealed class TracingTests : IDisposable
{
    private readonly SpanRecorder _spans = new();

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task ReplicaOfAndAFullSync_AreSpansOnBothSides_AndLocalReadsAndWritesAreNone()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await Nodes.StartPrimaryAsync();
        primary.Cache.SetString("before", "the sync");
        await secondary.Replication.ReplicaOfAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        for (int i = 0; i < 50; i++)
        {
            primary.Cache.SetString($"k{i}", "v");
            Assert.Equal("v", primary.Cache.GetString($"k{i}"));
            Assert.Null(secondary.Cache.GetString($"missing{i}"));
        }

        Activity replicaOf = await _spans.OneAsync(secondary, ReplCacheSpans.ReplicaOf);
        AssertPeer(replicaOf, primary.Address, ActivityKind.Client);
        Activity received = await _spans.OneAsync(secondary, ReplCacheSpans.FullSyncReceive);
        AssertPeer(received, primary.Address, ActivityKind.Client);
        Assert.Equal(1L, received.GetTagItem("replcache.snapshot.entries"));
        Activity served = await _spans.OneAsync(primary, ReplCacheSpans.FullSyncServe);
        Assert.Equal(ActivityKind.Server, served.Kind);
        Assert.Equal("127.0.0.1", served.GetTagItem("client.address"));
        Assert.Equal(secondary.Replication.GetInfo().NodeId, served.GetTagItem(ReplCacheInstruments.ReplicaTag));
        Assert.All([replicaOf, received, served], AssertSucceeded);

        // Fifty writes and a hundred reads made no span: only the remote work above.
        Assert.Equal([ReplCacheSpans.FullSyncServe], _spans.Of(primary).Select(a => a.OperationName));
        Assert.Equal(
            new[] { ReplCacheSpans.ReplicaOf, ReplCacheSpans.FullSyncReceive }.Order(StringComparer.Ordinal),
            _spans.Of(secondary).Select(a => a.OperationName).Order(StringComparer.Ordinal));

        await secondary.Replication.PromoteToPrimaryAsync();
        AssertSucceeded(await _spans.OneAsync(secondary, ReplCacheSpans.Promote));
    }

    [Fact]
    public async Task Failover_IsASpan_AndTheOldPrimaryRejoinsWithAPartialResyncTracedOnBothSides()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);

        await primary.Replication.FailoverAsync(secondary.Address);
        await Nodes.WaitInSyncAsync(secondary, primary);

        AssertSucceeded(await _spans.OneAsync(primary, ReplCacheSpans.Failover));
        AssertPeer(await _spans.OneAsync(primary, ReplCacheSpans.PartialSyncReceive), secondary.Address, ActivityKind.Client);
        Activity served = await _spans.OneAsync(secondary, ReplCacheSpans.PartialSyncServe);
        Assert.Equal(primary.Replication.GetInfo().NodeId, served.GetTagItem(ReplCacheInstruments.ReplicaTag));
        AssertSucceeded(served);
    }

    [Fact]
    public async Task ARefusedReplicaOf_IsAFailedSpan_WithTheErrorType()
    {
        await using ReplicatedCacheNode a = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode b = await Nodes.StartPrimaryAsync();
        await a.Replication.ReplicaOfAsync(b.Address);
        await Nodes.WaitInSyncAsync(b, a);

        await Assert.ThrowsAsync<InvalidOperationException>(() => b.Replication.ReplicaOfAsync(a.Address)); // a loop

        Activity refused = await _spans.OneAsync(b, ReplCacheSpans.ReplicaOf);
        Assert.Equal(ActivityStatusCode.Error, refused.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, refused.GetTagItem("error.type"));
    }

    [Fact]
    public async Task ASnapshotSavedAndLoaded_AreSpans()
    {
        string path = Path.Combine(Path.GetTempPath(), $"replcache-trace-{Guid.NewGuid():N}.rcs");
        try
        {
            await using (ReplicatedCacheNode saving = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = path))
            {
                saving.Cache.SetString("a", "1");
                saving.Cache.SetString("b", "2");
                await saving.SaveAsync();
                Activity saved = await _spans.OneAsync(saving, ReplCacheSpans.SnapshotSave);
                Assert.Equal(2L, saved.GetTagItem("replcache.snapshot.entries"));
                AssertSucceeded(saved);
            }

            await using ReplicatedCacheNode loading = await Nodes.StartPrimaryAsync(o => o.SnapshotPath = path);
            Activity loaded = await _spans.OneAsync(loading, ReplCacheSpans.SnapshotLoad);
            Assert.Equal(2, Convert.ToInt32(loaded.GetTagItem("replcache.snapshot.entries"), System.Globalization.CultureInfo.InvariantCulture));
            AssertSucceeded(loaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ABatchOfForwardedWrites_IsASpanOnTheSecondary()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.ReplicaWrites = ReplicaWriteMode.ForwardToPrimary);
        await Nodes.WaitInSyncAsync(primary, secondary);

        await secondary.Cache.SetStringAsync("forwarded", "to the primary");

        Activity batch = await _spans.OneAsync(secondary, ReplCacheSpans.ForwardBatch);
        AssertPeer(batch, primary.Address, ActivityKind.Client);
        Assert.Equal(1, batch.GetTagItem("replcache.forward.writes"));
        AssertSucceeded(batch);
    }

    [Fact]
    public async Task RespCommands_AreSpansOnlyWhenAskedFor()
    {
        await using ReplicatedCacheNode traced = await RespNodes.StartPrimaryAsync(o => o.TraceRespCommands = true);
        await using ReplicatedCacheNode quiet = await RespNodes.StartPrimaryAsync();
        foreach (ReplicatedCacheNode node in new[] { traced, quiet })
        {
            await using RespTestClient client = await RespTestClient.ConnectAsync(node);
            Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
            Assert.Equal("v", await client.CallAsync("GET", "k"));
        }

        Activity set = await _spans.OneAsync(traced, "SET");
        Assert.Equal("SET", set.GetTagItem("db.operation.name"));
        Assert.Equal("replcache", set.GetTagItem("db.system.name"));
        Assert.Equal(ActivityKind.Server, set.Kind);
        await _spans.OneAsync(traced, "GET");
        Assert.Empty(_spans.Of(quiet));
    }

    private static void AssertPeer(Activity span, Uri peer, ActivityKind kind)
    {
        Assert.Equal(kind, span.Kind);
        Assert.Equal("replcache", span.GetTagItem("db.system.name"));
        Assert.Equal(peer.Host, span.GetTagItem("server.address"));
        Assert.Equal(peer.Port, span.GetTagItem("server.port"));
    }

    private static void AssertSucceeded(Activity span)
    {
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        Assert.Null(span.GetTagItem("error.type"));
    }
}
