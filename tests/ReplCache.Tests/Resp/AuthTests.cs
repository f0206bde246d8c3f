namespace ReplCache.Tests.Resp;

/// <summary>AUTH with AuthToken as Redis's requirepass: NOAUTH until authenticated, WRONGPASS on a wrong password.</summary>
public class AuthTests
{
    [Fact]
    public async Task WithAuthToken_CommandsNeedAuth_AndAWrongPasswordIsRefused()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.AuthToken = "s3cret");
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(new RespError("NOAUTH Authentication required."), await client.CallAsync("GET", "k"));
        Assert.Equal(new RespError("NOAUTH Authentication required."), await client.CallAsync("PING"));
        Assert.Equal(new RespError("WRONGPASS invalid username-password pair or user is disabled."), await client.CallAsync("AUTH", "wrong"));
        Assert.Equal(new RespError("WRONGPASS invalid username-password pair or user is disabled."), await client.CallAsync("AUTH", "alice", "s3cret"));
        Assert.Equal(new RespError("NOAUTH Authentication required."), await client.CallAsync("SET", "k", "v"));
        Assert.Equal("OK", await client.CallAsync("AUTH", "s3cret"));
        Assert.Equal("OK", await client.CallAsync("SET", "k", "v"));
        Assert.Equal("v", await client.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task AuthWithDefaultUser_Works()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.AuthToken = "s3cret");
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await client.CallAsync("AUTH", "default", "s3cret"));
        Assert.Equal("PONG", await client.CallAsync("PING"));
    }

    [Fact]
    public async Task QuitAndHello_WorkBeforeAuth()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.AuthToken = "s3cret");
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.StartsWith("NOAUTH HELLO must be called", Assert.IsType<RespError>(await client.CallAsync("HELLO", "2")).Message);
        Assert.IsType<object?[]>(await client.CallAsync("HELLO", "2", "AUTH", "default", "s3cret"));
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("OK", await client.CallAsync("QUIT"));
    }

    [Fact]
    public async Task WithoutAuthToken_AuthSaysNoPasswordIsConfigured()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.Equal(
            new RespError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"),
            await client.CallAsync("AUTH", "anything"));
        Assert.Equal("OK", await client.CallAsync("AUTH", "default", "anything")); // the default user is "nopass"
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("AUTH", "a", "b", "c"));
    }

    [Fact]
    public async Task BeforeAuth_ALargeFrameIsAProtocolError()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.AuthToken = "s3cret");
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        object? reply = await client.CallAsync("SET", "k", new string('v', 20_000));
        Assert.Equal(new RespError("ERR Protocol error: unauthenticated bulk length"), reply);
        Assert.True(await client.IsClosedAsync());
    }
}
