using Microsoft.Extensions.Caching.Distributed;

namespace ReplCache.Tests.Resp;

/// <summary>SHUTDOWN stops a standalone node, closing the connection without a reply, as Redis does.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task Shutdown_StopsTheNode_AndClosesWithoutReply()
    {
        ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        await using RespTestClient bystander = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await bystander.CallAsync("PING"));
        await client.SendAsync(RespTestClient.Encode("SHUTDOWN"));
        Assert.True(await client.IsClosedAsync());
        await node.Stopped.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(await bystander.IsClosedAsync());
        await node.DisposeAsync(); // after SHUTDOWN, disposing is harmless and returns at once
    }

    [Fact]
    public async Task ShutdownNosave_SkipsTheSave_AndShutdownSave_Saves()
    {
        string path = Path.Combine(Path.GetTempPath(), $"replcache-shutdown-{Guid.NewGuid():N}.snapshot");
        try
        {
            ReplicatedCacheNode first = await RespNodes.StartPrimaryAsync(o => o.SnapshotPath = path);
            await using (RespTestClient client = await RespTestClient.ConnectAsync(first))
            {
                await client.CallAsync("SET", "k", "v");
                await client.SendAsync(RespTestClient.Encode("SHUTDOWN", "NOSAVE"));
                Assert.True(await client.IsClosedAsync());
            }

            await first.Stopped.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(File.Exists(path));

            ReplicatedCacheNode second = await RespNodes.StartPrimaryAsync(o =>
            {
                o.SnapshotPath = path;
                o.SaveOnStop = false;
            });
            await using (RespTestClient client = await RespTestClient.ConnectAsync(second))
            {
                await client.CallAsync("SET", "k", "saved");
                await client.SendAsync(RespTestClient.Encode("shutdown", "save"));
                Assert.True(await client.IsClosedAsync());
            }

            await second.Stopped.WaitAsync(TimeSpan.FromSeconds(20));
            await using ReplicatedCacheNode third = await RespNodes.StartPrimaryAsync(o => o.SnapshotPath = path);
            Assert.Equal("saved", third.Cache.GetString("k"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ShutdownSave_WithoutSnapshotPath_IsRefused_AndTheNodeRuns()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        Assert.StartsWith("ERR SHUTDOWN SAVE is not possible", Assert.IsType<RespError>(await client.CallAsync("SHUTDOWN", "SAVE")).Message);
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("SHUTDOWN", "SAVE", "NOSAVE"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync("SHUTDOWN", "LATER"));
        Assert.False(node.Stopped.IsCompleted);
        Assert.Equal("PONG", await client.CallAsync("PING"));
    }

    /// <summary>Redis 7's shutdownCommand: ABORT with any flag and SAVE with NOSAVE are syntax errors; ABORT with no
    /// shutdown waiting is refused; inside EXEC only SHUTDOWN NOW may run, since nothing there may block.</summary>
    [Fact]
    public async Task ShutdownFlags_AreCheckedAsRedis7Does()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient client = await RespTestClient.ConnectAsync(node);
        foreach (string[] bad in new[] { new[] { "ABORT", "NOW" }, ["ABORT", "FORCE"], ["NOSAVE", "ABORT"], ["NOW", "SAVE", "NOSAVE"], ["NOW", "LATER"] })
        {
            Assert.Equal(new RespError("ERR syntax error"), await client.CallAsync(["SHUTDOWN", .. bad]));
        }

        Assert.Equal(new RespError("ERR No shutdown in progress."), await client.CallAsync("SHUTDOWN", "ABORT"));
        Assert.Equal("OK", await client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await client.CallAsync("SHUTDOWN", "NOSAVE", "FORCE"));
        object?[] replies = Assert.IsType<object?[]>(await client.CallAsync("EXEC"));
        Assert.Equal(new RespError("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"), Assert.Single(replies));
        Assert.False(node.Stopped.IsCompleted);
        Assert.Equal("PONG", await client.CallAsync("PING"));

        await client.SendAsync(RespTestClient.Encode("shutdown", "now", "force"));
        Assert.True(await client.IsClosedAsync());
        await node.Stopped.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task StopAsync_DoesNotWaitForIdleClients()
    {
        ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync();
        await using RespTestClient idle = await RespTestClient.ConnectAsync(node);
        Assert.Equal("PONG", await idle.CallAsync("PING"));
        await using RespTestClient silent = await RespTestClient.ConnectAsync(node); // never sends a byte
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await node.StopAsync();
        // Kestrel's own fallback aborts connections after the host's 30 s shutdown timeout; well before it, here.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed}");
        Assert.True(await idle.IsClosedAsync());
        Assert.True(await silent.IsClosedAsync());
    }
}
