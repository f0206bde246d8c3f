using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>
/// INFO, ROLE and PING as Redis Sentinel 7.0 parses them: CRLF lines, a 40-hex run_id new at every start, the
/// replica fields after <c>role:slave</c>, and <c>slaveN</c> lines naming each secondary's RESP ip and port.
/// </summary>
public sealed partial class SentinelInfoTests
{
    [Fact]
    public async Task Ping_IsTheSimpleStringPong_NotABulkString()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("+PONG\r\n", await client.CallRawAsync("+PONG\r\n", "PING"));
        Assert.Equal("$2\r\nhi\r\n", await client.CallRawAsync("$2\r\nhi\r\n", "PING", "hi"));
    }

    [Fact]
    public async Task RunId_Is40Hex_StableWhileRunning_AndNewAtEveryStart()
    {
        string first;
        await using (ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.NodeId = "fixed-node"))
        await using (RespTestClient client = await RespTestClient.ConnectAsync(node))
        {
            first = Fields(await InfoAsync(client))["run_id"];
            Assert.Matches(RunIdShape(), first);
            Assert.Equal(first, Fields(await InfoAsync(client))["run_id"]);
            Assert.NotEqual("fixed-node", first);
        }

        await using ReplicatedCacheNode restarted = await RespNodes.StartPrimaryAsync(o => o.NodeId = "fixed-node");
        await using RespTestClient again = await RespTestClient.ConnectAsync(restarted);
        string second = Fields(await InfoAsync(again))["run_id"];
        Assert.Matches(RunIdShape(), second);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Info_OnBothRoles_HasOnlyCrlfLines_AndTheRoleLineBeforeTheReplicaFields()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, o => o.ReplicaPriority = 7);
        await Nodes.WaitInSyncAsync(primary, secondary);
        await using RespTestClient client = await RespTestClient.ConnectAsync(secondary);
        string info = await InfoAsync(client);
        Assert.DoesNotMatch(@"[^\r]\n", info);
        Assert.EndsWith("\r\n", info);

        // Sentinel reads master_* and slave_* only on lines after role:slave, in the order Redis 7 prints them.
        string[] lines = info.Split("\r\n");
        int role = Array.IndexOf(lines, "role:slave");
        Assert.True(role > 0, "role:slave is missing");
        string[] order = ["master_host:", "master_port:", "master_link_status:", "master_last_io_seconds_ago:", "master_sync_in_progress:",
            "slave_read_repl_offset:", "slave_repl_offset:", "slave_priority:", "slave_read_only:", "replica_announced:", "connected_slaves:"];
        int[] at = [.. order.Select(prefix => Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal)))];
        Assert.All(at, i => Assert.True(i > role, $"{order[Array.IndexOf(at, i)]} is not after role:slave"));
        Assert.Equal(at.Order(), at);

        Dictionary<string, string> fields = Fields(info);
        Assert.Equal("127.0.0.1", fields["master_host"]);
        Assert.Equal(primary.Address.Port.ToString(), fields["master_port"]);
        Assert.Equal("up", fields["master_link_status"]);
        Assert.Equal("7", fields["slave_priority"]);
        Assert.Equal("1", fields["replica_announced"]);
        Assert.Equal(primary.Replication.GetInfo().Offset.ToString(), fields["slave_repl_offset"]);
        Assert.False(fields.ContainsKey("master_link_down_since_seconds"), "the link is up");

        await using RespTestClient toPrimary = await RespTestClient.ConnectAsync(primary);
        string master = await InfoAsync(toPrimary);
        Assert.DoesNotMatch(@"[^\r]\n", master);
        Assert.Contains("\r\nrole:master\r\nconnected_slaves:1\r\n", master);
    }

    [Fact]
    public async Task Info_OnAPrimary_ListsASecondaryAtItsRespPort_WhenRespSharesTheReplicationPort()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(secondary.Address.Port, secondary.RespEndPoint!.Port);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        string info = await InfoAsync(client);
        Assert.Matches($@"\r\nslave0:ip=127\.0\.0\.1,port={secondary.RespEndPoint.Port},state=online,offset=\d+,lag=\d+\r\n", info);
    }

    [Fact]
    public async Task InfoAndRole_OnAPrimary_ListASecondaryAtItsOwnRespPort_WhenItHasOneApartFromReplication()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        int respPort = FreePort();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, o => o.RespListen = $"127.0.0.1:{respPort}");
        await Nodes.WaitInSyncAsync(primary, secondary);
        Assert.Equal(respPort, secondary.RespEndPoint!.Port);
        Assert.NotEqual(respPort, secondary.Address.Port);

        await using RespTestClient client = await RespTestClient.ConnectAsync(primary);
        Assert.Matches($@"\r\nslave0:ip=127\.0\.0\.1,port={respPort},state=online,", await InfoAsync(client));
        object?[] role = Assert.IsType<object?[]>(await client.CallAsync("ROLE"));
        object?[] entry = Assert.IsType<object?[]>(Assert.Single(Assert.IsType<object?[]>(role[2])));
        Assert.Equal(["127.0.0.1", respPort.ToString(), entry[2]], entry);
    }

    [Fact]
    public async Task Role_IsExact_OnBothRoles()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address);
        primary.Cache.SetString("k", "v");
        await Nodes.WaitInSyncAsync(primary, secondary);
        long offset = primary.Replication.GetInfo().Offset;
        string port = secondary.RespEndPoint!.Port.ToString();

        await using RespTestClient toPrimary = await RespTestClient.ConnectAsync(primary);
        string offsetText = offset.ToString();
        string master = $"*3\r\n$6\r\nmaster\r\n:{offsetText}\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n${port.Length}\r\n{port}\r\n${offsetText.Length}\r\n{offsetText}\r\n";
        await Poll.UntilAsync(() => primary.Replication.GetInfo().Replicas.Single().AckedOffset == offset, "the secondary's acknowledgement");
        Assert.Equal(master, await toPrimary.CallRawAsync(master, "ROLE"));

        await using RespTestClient toSecondary = await RespTestClient.ConnectAsync(secondary);
        string primaryPort = primary.RespEndPoint!.Port.ToString();
        string slave = $"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{primaryPort}\r\n$9\r\nconnected\r\n:{offsetText}\r\n";
        Assert.Equal(slave, await toSecondary.CallRawAsync(slave, "ROLE"));
    }

    [Fact]
    public async Task ReplicaPriority_IsConfigGetsReplicaPriority_AndZeroIsReported()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using ReplicatedCacheNode secondary = await RespNodes.StartSecondaryAsync(primary.Address, o => o.ReplicaPriority = 0);
        await using RespTestClient client = await RespTestClient.ConnectAsync(secondary);
        Assert.Equal(["replica-priority", "0"], Assert.IsType<object?[]>(await client.CallAsync("CONFIG", "GET", "replica-priority")));
        Assert.Equal("0", Fields(await InfoAsync(client))["slave_priority"]);
    }

    private static async Task<string> InfoAsync(RespTestClient client) => Assert.IsType<string>(await client.CallAsync("INFO"));

    private static Dictionary<string, string> Fields(string info) =>
        info.Split("\r\n").Where(l => l.Contains(':') && !l.StartsWith('#'))
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex RunIdShape();
}
