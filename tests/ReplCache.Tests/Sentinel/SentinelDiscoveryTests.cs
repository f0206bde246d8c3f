using System.Diagnostics;
using ReplCache.Tests.EndToEnd;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// The real Redis Sentinel 7 watching a ReplCache primary and its secondary (RESP sharing the replication port): it
/// finds the secondary through the primary's INFO, connects to both, reads them as Redis nodes, and does not crash.
/// </summary>
public sealed class SentinelDiscoveryTests
{
    private static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(40);

    [RequiresRedisToolsFact("redis-server")]
    public async Task Sentinel_DiscoversTheSecondary_FindsAQuorum_AndKeepsRunning()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, o => o.ReplicaPriority = 42);
        await Nodes.WaitInSyncAsync(primary, secondary);
        int secondaryPort = secondary.RespEndPoint!.Port;
        await using RespTestClient toSecondary = await RespTestClient.ConnectAsync(secondary);
        string secondaryRunId = Assert.IsType<string>(await toSecondary.CallAsync("INFO", "server")).Split("\r\n")
            .Single(l => l.StartsWith("run_id:", StringComparison.Ordinal))["run_id:".Length..];

        await using SentinelProcess sentinel = await SentinelProcess.StartAsync(primary.RespEndPoint!.Port);

        // Sentinel learns replicas from the primary's slaveN lines, then opens its command and pub/sub links to each;
        // "slave" without "disconnected" means both links are up, the pub/sub one answered with a good SUBSCRIBE reply.
        Dictionary<string, string>? replica = null;
        try
        {
            await sentinel.WaitUntilAsync(async () =>
            {
                object?[] replicas = Assert.IsType<object?[]>(await sentinel.Client.CallAsync("SENTINEL", "replicas", "mymaster"));
                replica = replicas.Select(SentinelProcess.Fields).SingleOrDefault();
                return replica is not null && replica["flags"] == "slave" && replica["master-link-status"] == "ok"
                    && replica.GetValueOrDefault("runid") == secondaryRunId;
            }, "Sentinel to list the secondary, connected", DiscoveryTimeout);
        }
        catch (TimeoutException timeout)
        {
            string seen = replica is null ? "nothing" : string.Join(", ", replica.Select(p => $"{p.Key}={p.Value}"));
            throw new TimeoutException($"{timeout.Message}\nLast SENTINEL replicas entry: {seen}", timeout);
        }

        Assert.Equal("127.0.0.1", replica!["ip"]);
        Assert.Equal(secondaryPort.ToString(), replica["port"]);
        Assert.Equal("42", replica["slave-priority"]);
        Assert.Equal("127.0.0.1", replica["master-host"]);
        Assert.Equal(primary.RespEndPoint.Port.ToString(), replica["master-port"]);

        Assert.Equal(
            "OK 1 usable Sentinels. Quorum and failover authorization can be reached",
            await sentinel.Client.CallAsync("SENTINEL", "ckquorum", "mymaster"));

        // Both nodes carry Sentinel's pub/sub link, and hear its hellos: Sentinel PUBLISHes to the primary and to the
        // secondary every 2 s and checks that its pub/sub link hears something within 6 s.
        Assert.Equal(1, primary.Core.Resp!.PubSub.ChannelCount);
        await Poll.UntilAsync(() => secondary.Core.Resp!.PubSub.ChannelCount == 1, "Sentinel's subscription on the secondary");

        // Ten seconds of Sentinel's PINGs (1 s), INFOs (10 s) and hellos (2 s), with down-after at 2 s: nobody goes
        // down, nothing reconnects, and Sentinel is alive at the end.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(sentinel.HasExited, "Sentinel exited. Its log:\n" + sentinel.Log);
            Dictionary<string, string> master = SentinelProcess.Fields(await sentinel.Client.CallAsync("SENTINEL", "master", "mymaster"));
            Assert.True(master["flags"] == "master", $"master flags '{master["flags"]}'. Sentinel's log:\n{sentinel.Log}");
            Dictionary<string, string> now = SentinelProcess.Fields(Assert.Single(Assert.IsType<object?[]>(await sentinel.Client.CallAsync("SENTINEL", "replicas", "mymaster"))));
            Assert.True(now["flags"] == "slave", $"replica flags '{now["flags"]}'. Sentinel's log:\n{sentinel.Log}");
        }

        Assert.Equal("PONG", await sentinel.Client.CallAsync("PING"));
        Assert.DoesNotContain("+sdown", sentinel.Log);
        Assert.DoesNotContain("+reboot", sentinel.Log);
    }

    [RequiresRedisToolsFact("redis-server")]
    public async Task ASecondaryThatStopsAnnouncingItself_LeavesSentinelsReplicaList_AndComesBack()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode shown = await RespNodes.StartSecondaryAsync(primary.Address);
        await using ReplicatedCacheNode hidden = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, shown, hidden);
        await using SentinelProcess sentinel = await SentinelProcess.StartAsync(primary.RespEndPoint!.Port);
        async Task<int> Listed() => Assert.IsType<object?[]>(await sentinel.Client.CallAsync("SENTINEL", "replicas", "mymaster")).Length;
        await sentinel.WaitUntilAsync(async () => await Listed() == 2, "Sentinel to list both secondaries", DiscoveryTimeout);

        // As Redis's 10-replica-priority.tcl: replica-announced no hides it from SENTINEL replicas, yes brings it back.
        await using RespTestClient toHidden = await RespTestClient.ConnectAsync(hidden);
        Assert.Equal("OK", await toHidden.CallAsync("CONFIG", "SET", "replica-announced", "no"));
        await sentinel.WaitUntilAsync(async () => await Listed() == 1, "Sentinel to stop listing the hidden secondary", DiscoveryTimeout);
        Assert.Equal("OK", await toHidden.CallAsync("CONFIG", "SET", "replica-announced", "yes"));
        await sentinel.WaitUntilAsync(async () => await Listed() == 2, "Sentinel to list it again", DiscoveryTimeout);
    }
}
