using System.Globalization;
using System.Net;
using ReplCache.Tests.EndToEnd;
using ReplCache.Tests.Resp;
using StackExchange.Redis;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// Automatic failover of a group of replcache-server processes by three real Redis Sentinels, as Redis's own Sentinel
/// tests drive a Redis group: kill -9 of the primary under writes, SENTINEL FAILOVER with a replica-priority 0 node
/// that must never be promoted, SIGSTOP/SIGCONT of the primary, a replica re-pointed by hand, and StackExchange.Redis
/// following a manual failover through Sentinel.
/// </summary>
[Trait("Category", "Long")]
public sealed class SentinelFailoverTests
{
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(60);

    [RequiresRedisToolsFact("redis-server")]
    public async Task KillingThePrimaryUnderWrites_PromotesASecondary_RepointsTheOther_AndTheRestartedOldPrimaryIsConverted()
    {
        await using SentinelGroup group = await SentinelGroup.StartAsync();
        using var stopWriting = new CancellationTokenSource();
        Task writer = WriteUntilAsync(group.Ports[0], stopWriting.Token);
        await group.WaitAsync(async () => long.Parse((await group.InfoAsync(1))["slave_repl_offset"], CultureInfo.InvariantCulture) > 1000,
            "writes to reach the secondaries", FailoverTimeout);

        await group.KillAsync(0);
        stopWriting.Cancel();
        await writer;
        int promoted = await group.WaitForNewPrimaryAsync(group.Ports[0], FailoverTimeout);
        int sibling = 3 - promoted;

        await group.WaitAsync(() => group.FollowsAsync(sibling, promoted), "the sibling to follow the promoted secondary with its link up", FailoverTimeout);
        Dictionary<string, string> onPromoted = await group.InfoAsync(promoted);
        Assert.Equal("master", onPromoted["role"]);
        Assert.Equal("0", onPromoted["sync_full"]); // the caught-up sibling continued with a partial resync
        Assert.Equal("1", onPromoted["sync_partial_ok"]);
        Assert.DoesNotContain("replicaof", File.ReadAllText(group.ConfigPath(promoted)), StringComparison.Ordinal); // CONFIG REWRITE

        // The old primary restarts from its file as a primary of nothing; Sentinel converts it into a secondary.
        await group.StartServerAsync(0);
        await group.WaitAsync(() => group.FollowsAsync(0, promoted), "Sentinel to convert the restarted old primary", FailoverTimeout);
        Assert.Contains($"replicaof 127.0.0.1 {group.Ports[promoted]}", File.ReadAllText(group.ConfigPath(0)), StringComparison.Ordinal);
        Assert.Contains("+convert-to-slave", string.Join("\n", group.Sentinels.Select(s => s.Log)), StringComparison.Ordinal);
        Assert.All(group.Sentinels, s => Assert.False(s.HasExited, "a Sentinel died:\n" + s.Log));
    }

    [RequiresRedisToolsFact("redis-server")]
    public async Task SentinelFailover_NeverPromotesPriorityZero_AndOnlyPartialResyncsFollow()
    {
        await using SentinelGroup group = await SentinelGroup.StartAsync(extraLines: i => i == 1 ? ["replica-priority 0"] : []);
        await using (RespTestClient primary = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, group.Ports[0])))
        {
            for (int i = 0; i < 100; i++)
            {
                Assert.Equal("OK", await primary.CallAsync("SET", $"k{i}", $"v{i}"));
            }
        }

        string offset = (await group.InfoAsync(0))["master_repl_offset"];
        await group.WaitAsync(async () => (await group.InfoAsync(1))["slave_repl_offset"] == offset && (await group.InfoAsync(2))["slave_repl_offset"] == offset,
            "both secondaries to catch up", FailoverTimeout);

        Assert.Equal("OK", await group.Sentinels[0].Client.CallAsync("SENTINEL", "FAILOVER", SentinelGroup.MasterName));
        int promoted = await group.WaitForNewPrimaryAsync(group.Ports[0], FailoverTimeout);
        Assert.Equal(2, promoted); // server 1 has replica-priority 0

        await group.WaitAsync(async () => await group.FollowsAsync(0, 2) && await group.FollowsAsync(1, 2), "the old primary and the other secondary to follow the promoted one", FailoverTimeout);
        Assert.Equal("0", (await group.InfoAsync(2))["sync_full"]);
        Assert.Equal("2", (await group.InfoAsync(2))["sync_partial_ok"]);
        await using RespTestClient promotedClient = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, group.Ports[2]));
        Assert.Equal("v99", await promotedClient.CallAsync("GET", "k99"));
    }

    [RequiresRedisToolsFact("redis-server")]
    public async Task AFrozenPrimary_IsFailedOver_AndConvertedWhenItThaws()
    {
        await using SentinelGroup group = await SentinelGroup.StartAsync();
        group.Servers[0]!.Freeze();
        int promoted;
        try
        {
            promoted = await group.WaitForNewPrimaryAsync(group.Ports[0], FailoverTimeout);
        }
        finally
        {
            group.Servers[0]!.Thaw();
        }

        // It wakes believing it is the primary; Sentinel sees it report role:master and turns it into a secondary.
        await group.WaitAsync(() => group.FollowsAsync(0, promoted), "Sentinel to convert the thawed old primary", FailoverTimeout);
        await group.WaitAsync(() => group.FollowsAsync(3 - promoted, promoted), "the other secondary to follow the promoted one", FailoverTimeout);
    }

    [RequiresRedisToolsFact("redis-server")]
    public async Task ASecondaryRepointedByHand_IsPutBackBySentinel()
    {
        await using SentinelGroup group = await SentinelGroup.StartAsync();
        await using (RespTestClient second = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, group.Ports[2])))
        {
            // A chain behind the other secondary: the primary no longer lists it, and Sentinel's +fix-slave-config repairs it.
            Assert.Equal("OK", await second.CallAsync("REPLICAOF", "127.0.0.1", group.Ports[1].ToString(CultureInfo.InvariantCulture)));
        }

        await group.WaitAsync(() => group.FollowsAsync(2, 1), "the hand-made chain to come up", FailoverTimeout);
        await group.WaitAsync(() => group.FollowsAsync(2, 0), "Sentinel to point the secondary back at the primary", FailoverTimeout);
        Assert.Contains("+fix-slave-config", string.Join("\n", group.Sentinels.Select(s => s.Log)), StringComparison.Ordinal);
    }

    /// <summary>
    /// StackExchange.Redis, given only the Sentinels and the service name, follows SENTINEL FAILOVER, and few of the
    /// writes it saw acknowledged are lost. Between the promotion and Sentinel's conversion of the old primary (8 s
    /// after it reports the master role, as with Redis) the client still writes to the old primary: Redis takes those
    /// writes and loses them in its resync; ReplCache's old primary is fenced by the Sentinels' next hello and answers
    /// READONLY. Measured on this test before the fence: 103 of 124 acknowledged writes lost, 1 failed; with it, 9 of 30
    /// lost (the writes before the first hello naming the new primary), the rest failed loudly instead.
    /// </summary>
    [RequiresRedisToolsFact("redis-server")]
    public async Task StackExchangeRedis_WithAServiceName_FollowsAManualFailover_LosingOnlyTheWritesBeforeTheSentinelsHello()
    {
        await using SentinelGroup group = await SentinelGroup.StartAsync();
        var options = new ConfigurationOptions
        {
            ServiceName = SentinelGroup.MasterName,
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
        };
        foreach (SentinelProcess sentinel in group.Sentinels)
        {
            options.EndPoints.Add(IPAddress.Loopback, sentinel.Port);
        }

        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options);
        IDatabase db = redis.GetDatabase();
        var acknowledged = new List<int>();
        int failed = 0, landed = 0;
        bool failoverSent = false;
        int? promoted = null;
        for (int i = 0; i < 600 && landed < 10; i++)
        {
            bool ok = false;
            try
            {
                await db.StringSetAsync(Key(i), i);
                acknowledged.Add(i);
                ok = true;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                failed++;
            }

            if (acknowledged.Count == 10 && !failoverSent)
            {
                Assert.Equal("OK", await group.Sentinels[0].Client.CallAsync("SENTINEL", "FAILOVER", SentinelGroup.MasterName));
                failoverSent = true;
            }

            if (failoverSent && promoted is null && await group.AgreedPrimaryPortAsync() is { } port && port != group.Ports[0])
            {
                promoted = Array.IndexOf(group.Ports, port);
            }

            // Landed: the new primary holds the write just acknowledged.
            if (ok && promoted is { } p && await GetAsync(group.Ports[p], Key(i)) is not null)
            {
                landed++;
            }

            await Task.Delay(100);
        }

        Assert.True(landed >= 10, $"writes landed on the new primary: {landed}; failed: {failed}\n{group.Logs()}");
        Assert.Equal("master", (await group.InfoAsync(promoted!.Value))["role"]);

        // Once Sentinel has converted the old primary, every acknowledged write the new primary lacks is lost for good.
        await group.WaitAsync(() => group.FollowsAsync(0, promoted.Value), "Sentinel to convert the old primary", FailoverTimeout);
        int lost = 0;
        foreach (int write in acknowledged)
        {
            lost += await GetAsync(group.Ports[promoted.Value], Key(write)) is null ? 1 : 0;
        }

        // A Sentinel hellos every node every 2 s: at 10 writes a second, about 20 writes can precede the first hello
        // naming the new primary. Without the fence the loss runs until the conversion, 8 s or more.
        Assert.True(lost <= 20, $"{lost} of {acknowledged.Count} acknowledged writes lost across the failover ({failed} refused)");

        static string Key(int i) => "w:" + i.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<string?> GetAsync(int port, string key)
    {
        await using RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return await client.CallAsync("GET", key) as string;
    }

    /// <summary>SET w0, w1, ... on the primary until cancelled or the primary is gone.</summary>
    private static async Task WriteUntilAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            await using RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            for (int i = 0; i < 1_000_000 && !cancellationToken.IsCancellationRequested; i++)
            {
                await client.CallAsync("SET", $"w{i}", new string('x', 50));
                await Task.Delay(5, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            // The primary was killed under the writer.
        }
    }
}
