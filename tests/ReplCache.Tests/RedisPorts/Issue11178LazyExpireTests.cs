using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis PR #11178 / PR #10969 / #11792, "Sort out mess around propagation and lazy-expiration" (replication.tcl,
/// "Test replication with lazy expire"): when a command lazily expired a key and then wrote it, the DEL went into
/// the stream after the write, so the replica deleted the fresh key. Here each write command meets a key its
/// primary has just seen expire (and has not swept: the clock jumps, the sweep runs later), then
/// <c>WAIT 1 0</c>: the replica holds exactly what the primary holds.
/// </summary>
public sealed class Issue11178LazyExpireTests
{
    public static TheoryData<string[], string?> Writes => new()
    {
        { ["SET", "s", "b"], "b" },
        { ["SET", "s", "b", "NX"], "b" },
        { ["SET", "s", "b", "XX"], null },
        { ["SET", "s", "b", "GET"], "b" },
        { ["SETNX", "s", "b"], "b" },
        { ["SETEX", "s", "100", "b"], "b" },
        { ["PSETEX", "s", "100000", "b"], "b" },
        { ["MSET", "s", "b", "t", "c"], "b" },
        { ["SET", "s", "b", "KEEPTTL"], "b" },
        { ["EXPIRE", "s", "100"], null },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Issue11178_TestReplicationWithLazyExpire(string[] write, string? expected)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = clock);
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(primary.Address, o => o.TimeProvider = clock);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient onPrimary = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient onReplica = await RespTestClient.ConnectAsync(replica);

        foreach (bool inMulti in new[] { false, true })
        {
            Assert.Equal("OK", await onPrimary.CallAsync("SET", "s", "a", "PX", "1"));
            clock.Advance(TimeSpan.FromMilliseconds(10));
            if (inMulti)
            {
                Assert.Equal("OK", await onPrimary.CallAsync("MULTI"));
                Assert.Equal("QUEUED", await onPrimary.CallAsync(write));
                Assert.IsType<object?[]>(await onPrimary.CallAsync("EXEC"));
            }
            else
            {
                Assert.IsNotType<RespError>(await onPrimary.CallAsync(write));
            }

            Assert.Equal(1L, await onPrimary.CallAsync("WAIT", "1", "0"));
            Assert.Equal(expected, await onPrimary.CallAsync("GET", "s"));
            Assert.Equal((inMulti, expected), (inMulti, await onReplica.CallAsync("GET", "s")));
            await Nodes.WaitInSyncAsync(primary, replica);
            Assert.Equal(primary.Cache.GetDigest(), replica.Cache.GetDigest());
            Assert.Equal(primary.Core.Store.PhysicalCount, replica.Core.Store.PhysicalCount);
        }
    }
}
