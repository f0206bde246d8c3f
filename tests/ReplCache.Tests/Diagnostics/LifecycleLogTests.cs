using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Diagnostics;

/// <summary>
/// The replication lifecycle as an operator reads it in the log: every event names the node, its role, its
/// replication id and offset, in the message text and as structured state.
/// </summary>
public class LifecycleLogTests
{
    private const int FullSyncStartedOnPrimary = 21;
    private const int FullSyncCompletedOnPrimary = 22;
    private const int FullResyncStartedOnSecondary = 40;
    private const int FullResyncCompletedOnSecondary = 41;
    private const int LinkUp = 42;
    private const int Promoted = 3;

    [Fact]
    public async Task FullSync_LinkUp_AndPromotion_EachLogOneMessage_WithNodeIdRoleAndReplicationId()
    {
        using var primaryLog = new FakeLoggerProvider();
        using var secondaryLog = new FakeLoggerProvider();
        using ILoggerFactory primaryFactory = LoggerFactory.Create(b => b.AddProvider(primaryLog).SetMinimumLevel(LogLevel.Debug));
        using ILoggerFactory secondaryFactory = LoggerFactory.Create(b => b.AddProvider(secondaryLog).SetMinimumLevel(LogLevel.Debug));

        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(), primaryFactory);
        for (int i = 0; i < 10; i++)
        {
            primary.Cache.Set($"k{i}", [(byte)i], new());
        }

        await using ReplicatedCacheNode secondary = await ReplicatedCacheNode.StartAsync(Nodes.Options(primary.Address), secondaryFactory);
        await Nodes.WaitInSyncAsync(primary, secondary);

        // Each side logs after it acts (the primary after sending the snapshot, the secondary after marking the link
        // up), so a log line may follow the state the wait above saw by a moment.
        await Poll.UntilAsync(() => Events(primaryLog, FullSyncCompletedOnPrimary).Count > 0, "the primary to log the full sync's end");
        await Poll.UntilAsync(() => Events(secondaryLog, FullResyncCompletedOnSecondary).Count > 0 && Events(secondaryLog, LinkUp).Count > 0, "the secondary to log the sync's end and the link up");

        ReplicationInfo onPrimary = primary.Replication.GetInfo();
        ReplicationInfo onSecondary = secondary.Replication.GetInfo();
        Assert.Equal(onPrimary.ReplicationId, onSecondary.ReplicationId);

        FakeLogRecord started = AssertOne(primaryLog, FullSyncStartedOnPrimary, onPrimary.NodeId, ReplicationRole.Primary, onPrimary.ReplicationId);
        Assert.Contains(onSecondary.NodeId, started.Message, StringComparison.Ordinal);
        Assert.Equal("10", started.GetStructuredStateValue("Entries"));
        FakeLogRecord sent = AssertOne(primaryLog, FullSyncCompletedOnPrimary, onPrimary.NodeId, ReplicationRole.Primary, onPrimary.ReplicationId);
        Assert.Equal("10", sent.GetStructuredStateValue("Entries"));
        Assert.True(long.Parse(sent.GetStructuredStateValue("Bytes")!) > 0, sent.Message);

        AssertOne(secondaryLog, FullResyncStartedOnSecondary, onSecondary.NodeId, ReplicationRole.Secondary, onPrimary.ReplicationId);
        FakeLogRecord loaded = AssertOne(secondaryLog, FullResyncCompletedOnSecondary, onSecondary.NodeId, ReplicationRole.Secondary, onPrimary.ReplicationId);
        Assert.Equal("10", loaded.GetStructuredStateValue("Entries"));
        FakeLogRecord up = AssertOne(secondaryLog, LinkUp, onSecondary.NodeId, ReplicationRole.Secondary, onPrimary.ReplicationId);
        Assert.Equal(onSecondary.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), up.GetStructuredStateValue("Offset"));

        await secondary.Replication.PromoteToPrimaryAsync();
        ReplicationInfo promoted = secondary.Replication.GetInfo();
        Assert.NotEqual(onPrimary.ReplicationId, promoted.ReplicationId);
        FakeLogRecord promotion = AssertOne(secondaryLog, Promoted, promoted.NodeId, ReplicationRole.Primary, promoted.ReplicationId);
        Assert.Contains(onPrimary.ReplicationId, promotion.Message, StringComparison.Ordinal); // the previous id, still valid up to the offset
    }

    private static List<FakeLogRecord> Events(FakeLoggerProvider log, int eventId) =>
        [.. log.Collector.GetSnapshot().Where(r => r.Id.Id == eventId)];

    private static FakeLogRecord AssertOne(FakeLoggerProvider log, int eventId, string nodeId, ReplicationRole role, string replicationId)
    {
        List<FakeLogRecord> records = Events(log, eventId);
        FakeLogRecord record = Assert.Single(records);
        Assert.Contains(nodeId, record.Message, StringComparison.Ordinal);
        Assert.Contains($"({role},", record.Message, StringComparison.Ordinal);
        Assert.Contains(replicationId, record.Message, StringComparison.Ordinal);
        Assert.Equal(nodeId, record.GetStructuredStateValue("NodeId"));
        Assert.Equal(role.ToString(), record.GetStructuredStateValue("Role"));
        Assert.Equal(replicationId, record.GetStructuredStateValue("ReplicationId"));
        Assert.NotNull(record.GetStructuredStateValue("Offset"));
        return record;
    }
}
