using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>
/// Where the RESP port is served from (<see cref="ReplicatedCacheOptions.RespEventLoop"/>): a port of its own, and a
/// port shared with links that do not need the owned-thread transport (replcache-server's), get one event-loop
/// thread, which ends with the node; turned off, the port stays on Kestrel's sockets. Linux only, as the loop. Alone
/// in their collection, because they count this process's threads by name.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class RespEventLoopTests
{
    /// <summary>A RESP port of its own: another loopback address than the replication port's (port 0 on both).</summary>
    private const string OwnRespPort = "127.0.0.2:0";

    [Fact]
    public async Task OwnRespPort_IsServedByOneLoopThread_ThatEndsWithTheNode()
    {
        int before = Threads("ReplCache RESP ");
        await using (ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o => o.RespListen = OwnRespPort))
        {
            Assert.NotEqual(node.Address.Port, node.RespEndPoint!.Port);
            Assert.Equal(before + 1, Threads("ReplCache RESP "));
            await AnswersAsync(node.RespEndPoint);
        }

        Assert.Equal(before, await ProcessThreads.NamedSoonAsync("ReplCache RESP ", before));
    }

    [Fact]
    public async Task RespEventLoopOff_TheOwnRespPortStaysOnKestrelsSockets()
    {
        int before = Threads("ReplCache RESP ");
        await using ReplicatedCacheNode node = await Nodes.StartPrimaryAsync(o =>
        {
            o.RespListen = OwnRespPort;
            o.RespEventLoop = false;
        });
        Assert.Equal(before, Threads("ReplCache RESP "));
        await AnswersAsync(node.RespEndPoint!);
    }

    [Fact]
    public async Task SharedPortWithoutOwnedThreadLinks_RespAndAnHttp2LinkPassThroughTheLoop()
    {
        int before = Threads("ReplCache event");
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync(o => o.ThreadPoolIndependentLinks = false);
        Assert.Equal(primary.Address.Port, primary.RespEndPoint!.Port);
        Assert.Equal(before + 1, Threads("ReplCache event"));
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(primary.Address, o => o.ThreadPoolIndependentLinks = false);
        await using RespTestClient client = await RespTestClient.ConnectAsync(primary.RespEndPoint);
        string value = new('v', 300_000); // larger than a socket buffer: the reply and the link's batch may park
        Assert.Equal("OK", await client.CallAsync("SET", "k", value));
        Assert.Equal(1L, await client.CallAsync("WAIT", "1", "10000"));
        Assert.Equal(value, secondary.Cache.GetString("k"));
        Assert.Equal(value, await client.CallAsync("GET", "k"));
    }

    private static async Task AnswersAsync(IPEndPoint endPoint)
    {
        await using RespTestClient client = await RespTestClient.ConnectAsync(endPoint);
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        Assert.Equal("v", await client.CallAsync("GET", "k"));
    }

    private static int Threads(string comm) => ProcessThreads.Named(comm);
}
