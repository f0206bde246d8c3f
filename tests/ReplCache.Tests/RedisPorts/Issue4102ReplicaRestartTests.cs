using System.Globalization;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #4102 (and #5228, #6030, PR #8015): a restarted replica persisted <c>master_repl_offset</c> instead of its
/// cached master's processed offset, so its psync asked for the wrong range. Here a replica restarted from its
/// snapshot asks for exactly what it missed: nothing when no write came meanwhile, exactly the bytes written while
/// it was down otherwise.
/// </summary>
public sealed class Issue4102ReplicaRestartTests : IDisposable
{
    private const int PartialSyncStarted = 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-issue4102-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    public async Task Issue4102_ARestartedReplica_PsyncsExactlyTheBytesWrittenWhileItWasDown(int writesWhileDown)
    {
        using var primaryLog = new FakeLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(primaryLog));
        string file = Path.Combine(_dir, "replica.rcs");
        await using ReplicatedCacheNode primary = await ReplicatedCacheNode.StartAsync(Nodes.Options(), factory);
        for (int i = 0; i < 1000; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        ReplicatedCacheNode replica = await Nodes.StartSecondaryAsync(primary.Address, o => o.SnapshotPath = file);
        await Nodes.WaitInSyncAsync(primary, replica);
        await replica.StopAsync();
        long before = primary.Replication.GetInfo().Offset;
        for (int i = 0; i < writesWhileDown; i++)
        {
            primary.Cache.SetString($"while-down{i}", "x");
        }

        long missed = primary.Replication.GetInfo().Offset - before;
        Assert.Equal(writesWhileDown == 0, missed == 0);
        await using ReplicatedCacheNode back = await Nodes.StartSecondaryAsync(primary.Address, o => o.SnapshotPath = file);
        await Nodes.WaitInSyncAsync(primary, back);

        FakeLogRecord partial = Assert.Single(primaryLog.Collector.GetSnapshot(), r => r.Id.Id == PartialSyncStarted);
        Assert.Equal(before.ToString(CultureInfo.InvariantCulture), partial.GetStructuredStateValue("FromOffset"));
        Assert.Equal(missed.ToString(CultureInfo.InvariantCulture), partial.GetStructuredStateValue("Bytes"));
        Assert.Equal(primary.Cache.GetDigest(), back.Cache.GetDigest());
    }
}
