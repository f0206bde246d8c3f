using System.Text;

namespace ReplCache.Tests.Resp;

/// <summary>
/// The commands Redis Sentinel and StackExchange.Redis send to a plain Redis node, answered as one: the handshakes
/// pipelined as they send them, ECHO binary-safe, and SENTINEL and CLUSTER refused as a non-Sentinel, non-cluster node.
/// </summary>
public sealed class SentinelCommandTests
{
    [Fact]
    public async Task SentinelsCommandLinkHandshake_Pipelined_GetsOneReplyPerCommand_InOrder()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient sentinel = await RespTestClient.ConnectAsync(node);
        var handshake = new MemoryStream();
        handshake.Write(RespTestClient.Encode("CLIENT", "SETNAME", "sentinel-2958c239-cmd"));
        handshake.Write(RespTestClient.Encode("PING"));
        handshake.Write(RespTestClient.Encode("INFO"));
        handshake.Write(RespTestClient.Encode("PUBLISH", "__sentinel__:hello", "127.0.0.1,26390,2958c239,1,mymaster,127.0.0.1,16380,1"));
        await sentinel.SendAsync(handshake.ToArray());
        Assert.Equal("+OK\r\n+PONG\r\n", await sentinel.ReadRawLikeAsync("+OK\r\n+PONG\r\n"));
        Assert.Contains("\r\nrole:master\r\n", Assert.IsType<string>(await sentinel.ReadAsync()));
        Assert.Equal(":0\r\n", await sentinel.ReadRawLikeAsync(":0\r\n"));
    }

    [Fact]
    public async Task Echo_ReturnsTheExactBytes()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        byte[] tracer = [.. Enumerable.Range(0, 256).Select(b => (byte)(255 - b))];
        await client.SendAsync(RespTestClient.EncodeBytes("ECHO"u8.ToArray(), tracer));
        string expected = "$256\r\n" + Encoding.Latin1.GetString(tracer) + "\r\n";
        Assert.Equal(expected, await client.ReadRawLikeAsync(expected));
    }

    [Fact]
    public async Task Sentinel_IsAnUnknownCommand_AsOnAPlainRedisNode()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string error = "-ERR unknown command 'SENTINEL', with args beginning with: 'MASTERS' \r\n";
        Assert.Equal(error, await client.CallRawAsync(error, "SENTINEL", "MASTERS"));
    }

    [Fact]
    public async Task Cluster_SaysClusterSupportIsDisabled()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string error = "-ERR This instance has cluster support disabled\r\n";
        Assert.Equal(error, await client.CallRawAsync(error, "CLUSTER", "NODES"));
        Assert.Equal(new RespError("ERR This instance has cluster support disabled"), await client.CallAsync("cluster", "info"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'cluster' command"), await client.CallAsync("CLUSTER"));
    }

    [Fact]
    public async Task StackExchangeRedisHandshake_GetsWhatItNeeds()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        var handshake = new MemoryStream();
        handshake.Write(RespTestClient.Encode("CLIENT", "SETNAME", "app"));
        handshake.Write(RespTestClient.Encode("CLIENT", "SETINFO", "lib-name", "SE.Redis"));
        handshake.Write(RespTestClient.Encode("CLIENT", "ID"));
        handshake.Write(RespTestClient.Encode("SENTINEL", "MASTERS"));
        handshake.Write(RespTestClient.Encode("CLUSTER", "NODES"));
        handshake.Write(RespTestClient.Encode("HELLO", "3"));
        handshake.Write(RespTestClient.Encode("ECHO", "tracer"));
        await client.SendAsync(handshake.ToArray());
        Assert.Equal("OK", await client.ReadAsync());
        Assert.Equal("OK", await client.ReadAsync());
        Assert.IsType<long>(await client.ReadAsync());
        Assert.StartsWith("ERR unknown command 'SENTINEL'", Assert.IsType<RespError>(await client.ReadAsync()).Message);
        Assert.Equal(new RespError("ERR This instance has cluster support disabled"), await client.ReadAsync());
        Assert.Equal(new RespError("NOPROTO unsupported protocol version"), await client.ReadAsync());
        Assert.Equal("tracer", await client.ReadAsync());
    }
}
