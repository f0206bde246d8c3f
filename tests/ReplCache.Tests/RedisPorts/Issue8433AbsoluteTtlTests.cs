using Microsoft.Extensions.Time.Testing;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis #8433 / PR #8474 (unit/expire.tcl, "All TTL in commands are propagated as absolute timestamp in replication
/// stream" and "For all replicated TTL-related commands, absolute expire times are identical on primary and
/// replica"): relative TTLs were propagated as relative values, so a lagging replica kept keys longer than the
/// master, and after a failover an expired key was readable on the new master. Here the replica's link is stalled
/// while every TTL command runs and the clock moves on: once it catches up, every deadline equals the primary's, and a
/// key that expired meanwhile is already gone on the replica promoted at once.
/// </summary>
public sealed class Issue8433AbsoluteTtlTests
{
    [Fact]
    public async Task Issue8433_TtlsReplicateAsAbsoluteDeadlines_SoALaggingReplicaPromotedAtOnceHasNoExpiredKey()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.TimeProvider = clock);
        await using var proxy = new TcpFaultProxy(primary.Address);
        await using ReplicatedCacheNode replica = await RespNodes.StartSecondaryAsync(proxy.Address, o => o.TimeProvider = clock);
        await Nodes.WaitInSyncAsync(primary, replica);
        await using RespTestClient onPrimary = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient onReplica = await RespTestClient.ConnectAsync(replica);

        proxy.Stall(); // the replica lags (Redis: SIGSTOP)
        long at = clock.GetUtcNow().ToUnixTimeSeconds();
        string[][] commands =
        [
            ["SET", "short", "v", "EX", "2"],
            ["SET", "ex", "v", "EX", "100"],
            ["SET", "px", "v", "PX", "100000"],
            ["SET", "exat", "v", "EXAT", $"{at + 100}"],
            ["SET", "pxat", "v", "PXAT", $"{(at + 100) * 1000}"],
            ["SETEX", "setex", "100", "v"],
            ["PSETEX", "psetex", "100000", "v"],
            ["SET", "expire", "v"], ["EXPIRE", "expire", "100"],
            ["SET", "pexpire", "v"], ["PEXPIRE", "pexpire", "100000"],
            ["SET", "expireat", "v"], ["EXPIREAT", "expireat", $"{at + 100}"],
            ["SET", "pexpireat", "v"], ["PEXPIREAT", "pexpireat", $"{(at + 100) * 1000}"],
            ["SET", "keepttl", "v", "EX", "100"], ["SET", "keepttl", "v2", "KEEPTTL"],
            ["SET", "persist", "v", "EX", "100"], ["PERSIST", "persist"],
            ["SET", "past", "v"], ["EXPIREAT", "past", $"{at - 1}"],
        ];
        foreach (string[] command in commands)
        {
            Assert.IsNotType<RespError>(await onPrimary.CallAsync(command));
        }

        clock.Advance(TimeSpan.FromSeconds(3)); // past "short"'s deadline before the replica has heard of it
        proxy.Resume();
        await Nodes.WaitInSyncAsync(primary, replica);

        foreach (string key in new[] { "ex", "px", "exat", "pxat", "setex", "psetex", "expire", "pexpire", "expireat", "pexpireat", "keepttl", "persist" })
        {
            object? expected = await onPrimary.CallAsync("PTTL", key);
            Assert.Equal((key, expected), (key, await onReplica.CallAsync("PTTL", key)));
        }

        Assert.Equal(-1L, await onReplica.CallAsync("PTTL", "persist"));
        Assert.Equal(-2L, await onReplica.CallAsync("PTTL", "past"));
        Assert.Null(await onReplica.CallAsync("GET", "short"));

        await replica.Replication.PromoteToPrimaryAsync();
        Assert.Null(await onReplica.CallAsync("GET", "short"));
        Assert.Equal(0L, await onReplica.CallAsync("EXISTS", "short"));
    }
}
