using System.Text;

namespace ReplCache.Tests.Resp;

/// <summary>Malformed input ends only the connection that sent it, after a Redis protocol error.</summary>
public class GarbageInputTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "*abc\r\n", "ERR Protocol error: invalid multibulk length" },
        { "*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length" },
        { "*2\r\n$3\r\nGET\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'" },
        { "*1\r\n$4\r\nPINGxx", "ERR Protocol error: bulk string not followed by CRLF" },
        { "GET \"unterminated\r\n", "ERR Protocol error: unbalanced quotes in request" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_GetsAProtocolErrorAndClose_OthersAreUnaffected(string garbage, string error)
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient other = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await other.CallAsync("SET", "k", "v"));
        await using RespTestClient bad = await RespTestClient.ConnectAsync(node);
        await bad.SendAsync("PING\r\n" + garbage);
        Assert.Equal("PONG", await bad.ReadAsync()); // what came before the garbage is answered
        Assert.Equal(new RespError(error), await bad.ReadAsync());
        Assert.True(await bad.IsClosedAsync());
        Assert.Equal("v", await other.CallAsync("GET", "k"));
        await using RespTestClient fresh = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await fresh.CallAsync("PING"));
    }

    [Fact]
    public async Task RandomBinary_NeverHurtsTheNode()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        var random = new Random(12345);
        for (int i = 0; i < 20; i++)
        {
            byte[] noise = new byte[random.Next(1, 100_000)];
            random.NextBytes(noise);
            noise[0] = i % 2 == 0 ? (byte)'*' : noise[0];
            await using RespTestClient bad = await RespTestClient.ConnectAsync(node);
            try
            {
                await bad.SendAsync(noise);
            }
            catch (IOException)
            {
                // the server may already have closed after an early protocol error
            }
        }

        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("OK", await client.CallAsync("SET", "still", "fine"));
    }

    [Fact]
    public async Task OversizedInline_IsTooBig_AndCloses()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient bad = await RespTestClient.ConnectAsync(node);
        await bad.SendAsync(Encoding.ASCII.GetBytes(new string('x', 70_000)));
        Assert.Equal(new RespError("ERR Protocol error: too big inline request"), await bad.ReadAsync());
        Assert.True(await bad.IsClosedAsync());
    }

    [Fact]
    public async Task LargeValue_RoundTrips_ThroughSmallReads()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        string value = new('v', 8 * 1024 * 1024);
        Assert.Equal("OK", await client.CallAsync("SET", "big", value));
        Assert.Equal(value, await client.CallAsync("GET", "big"));
    }
}
