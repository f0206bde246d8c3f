using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Tests.Resp;

/// <summary>PING, ECHO, SELECT, QUIT, CLIENT, HELLO, unknown commands and arity, over a real socket.</summary>
public class ConnectionCommandTests
{
    [Fact]
    public async Task PingEchoSelect_ReplyAsRedis()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("hello", await client.CallAsync("ping", "hello"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'ping' command"), await client.CallAsync("PING", "a", "b"));
        Assert.Equal("a b", await client.CallAsync("ECHO", "a b"));
        Assert.Equal("OK", await client.CallAsync("SELECT", "0"));
        Assert.Equal(new RespError("ERR DB index is out of range"), await client.CallAsync("SELECT", "1"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CallAsync("SELECT", "x"));
    }

    [Fact]
    public async Task UnknownCommandAndWrongArity_UseRedis7Wording()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError("ERR unknown command 'foo', with args beginning with: 'a' 'b' "), await client.CallAsync("foo", "a", "b"));
        Assert.Equal(new RespError("ERR unknown command 'nope', with args beginning with: "), await client.CallAsync("nope"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'get' command"), await client.CallAsync("GET"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'set' command"), await client.CallAsync("set", "k"));
        string longArg = new('x', 300);
        var error = Assert.IsType<RespError>(await client.CallAsync("foo", longArg, "b"));
        Assert.Equal("ERR unknown command 'foo', with args beginning with: '" + new string('x', 128) + "' ", error.Message);
    }

    [Fact]
    public async Task InlineCommands_AreAnswered_LikeTelnet()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await client.SendAsync("set greeting \"hello world\"\r\nget greeting\r\nPING\r\n");
        Assert.Equal("OK", await client.ReadAsync());
        Assert.Equal("hello world", await client.ReadAsync());
        Assert.Equal("PONG", await client.ReadAsync());
    }

    [Fact]
    public async Task PipelinedCommands_AreAnsweredInOrder()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        var frames = new MemoryStream();
        for (int i = 0; i < 500; i++)
        {
            frames.Write(RespTestClient.Encode("SET", $"k{i}", $"v{i}"));
            frames.Write(RespTestClient.Encode("GET", $"k{i}"));
        }

        await client.SendAsync(frames.ToArray());
        for (int i = 0; i < 500; i++)
        {
            Assert.Equal("OK", await client.ReadAsync());
            Assert.Equal($"v{i}", await client.ReadAsync());
        }
    }

    [Fact]
    public async Task Quit_RepliesOkThenCloses()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("QUIT"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Client_NamesAndIdentifiesTheConnection()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient first = await RespTestClient.ConnectAsync(node);
        await using RespTestClient second = await RespTestClient.ConnectAsync(node);
        long id1 = Assert.IsType<long>(await first.CallAsync("CLIENT", "ID"));
        long id2 = Assert.IsType<long>(await second.CallAsync("client", "id"));
        Assert.NotEqual(id1, id2);
        Assert.Null(await first.CallAsync("CLIENT", "GETNAME"));
        Assert.Equal("OK", await first.CallAsync("CLIENT", "SETNAME", "worker-1"));
        Assert.Equal("worker-1", await first.CallAsync("CLIENT", "GETNAME"));
        Assert.Null(await second.CallAsync("CLIENT", "GETNAME"));
        Assert.Equal(new RespError("ERR Client names cannot contain spaces, newlines or special characters."), await first.CallAsync("CLIENT", "SETNAME", "a b"));
        Assert.Equal("OK", await first.CallAsync("CLIENT", "SETINFO", "LIB-NAME", "redis-py"));
        Assert.Equal("OK", await first.CallAsync("CLIENT", "SETINFO", "lib-ver", "5.0.1"));
        Assert.Equal(new RespError("ERR Unrecognized option 'color'"), await first.CallAsync("CLIENT", "SETINFO", "color", "blue"));
        Assert.Equal(new RespError("ERR unknown subcommand 'frob'. Try CLIENT HELP."), await first.CallAsync("CLIENT", "frob"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'client|setname' command"), await first.CallAsync("CLIENT", "SETNAME"));
    }

    [Fact]
    public async Task Hello_SpeaksResp2Only()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError("NOPROTO unsupported protocol version"), await client.CallAsync("HELLO", "3"));
        object?[] hello = Assert.IsType<object?[]>(await client.CallAsync("HELLO", "2", "SETNAME", "me"));
        Assert.Equal(["server", "redis", "version", "7.0.15", "proto", 2L], hello[..6]);
        Assert.Equal("master", hello[11]);
        Assert.Equal("me", await client.CallAsync("CLIENT", "GETNAME"));
    }

    [Fact]
    public async Task CommandNames_AreCaseInsensitive()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("sEt", "k", "v"));
        Assert.Equal("v", await client.CallAsync("GeT", "k"));
    }

    [Fact]
    public async Task KeyThatIsNotUtf8_IsRefused()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        var error = Assert.IsType<RespError>(await client.CallBytesAsync("SET"u8.ToArray(), [0xff, 0xfe], "v"u8.ToArray()));
        Assert.StartsWith("ERR invalid key", error.Message);
        Assert.Equal(0, node.Cache.Count);
        Assert.Equal("OK", await client.CallBytesAsync("SET"u8.ToArray(), "clé"u8.ToArray(), "v"u8.ToArray()));
        Assert.Equal("v", node.Cache.GetString("clé"));
    }
}
