using ReplCache.Tests.Resp;

namespace ReplCache.Tests.RedisPorts;

/// <summary>Redis's tests/unit/multi.tcl, the replication cases not covered by Resp.TransactionTests.</summary>
public sealed class MultiTests
{
    /// <summary>
    /// "exec with write commands and state change": a write queued while the primary could take it, whose EXEC comes
    /// after min-replicas-to-write was raised beyond the replicas it has, is aborted, and nothing of it runs.
    /// </summary>
    [Fact]
    public async Task ExecWithWriteCommandsAndStateChange_IsAbortedWithNoReplicas()
    {
        await using ReplicatedCacheNode primary = await RespNodes.StartPrimaryAsync();
        await using RespTestClient r = await RespTestClient.ConnectAsync(primary);
        await using RespTestClient r1 = await RespTestClient.ConnectAsync(primary);
        Assert.Equal("OK", await r.CallAsync("SET", "xx", "1"));

        Assert.Equal("OK", await r.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await r.CallAsync("SET", "xx", "2"));
        Assert.Equal("OK", await r1.CallAsync("CONFIG", "SET", "min-replicas-to-write", "2"));
        RespError error = Assert.IsType<RespError>(await r.CallAsync("EXEC"));
        Assert.StartsWith("EXECABORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("NOREPLICAS", error.Message, StringComparison.Ordinal);
        Assert.Equal("OK", await r1.CallAsync("CONFIG", "SET", "min-replicas-to-write", "0"));
        Assert.Equal("1", await r.CallAsync("GET", "xx"));
    }

    /// <summary>
    /// "exec with read commands and stale replica state change": with replica-serve-stale-data no, a read queued on
    /// a primary whose EXEC comes after it became a secondary with its link down is aborted with MASTERDOWN; a read
    /// queued while stale whose EXEC comes after the node is a primary again runs. (Redis refuses a stale PING too;
    /// ReplCache answers it, see Resp.RespReplicationTests.NotEnoughReplicas_IsNoReplicas_AndStaleReadsAreMasterDown.)
    /// </summary>
    [Fact]
    public async Task ExecWithReadCommandsAndStaleReplicaStateChange_IsAbortedWithMasterDown()
    {
        await using ReplicatedCacheNode node = await RespNodes.StartPrimaryAsync(o => o.ServeStaleData = false);
        await using RespTestClient r = await RespTestClient.ConnectAsync(node);
        await using RespTestClient r1 = await RespTestClient.ConnectAsync(node);
        Assert.Equal("OK", await r.CallAsync("SET", "xx", "1"));

        Assert.Equal("OK", await r.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await r.CallAsync("GET", "xx"));
        Assert.Equal("OK", await r1.CallAsync("REPLICAOF", "127.0.0.1", "0"));
        RespError error = Assert.IsType<RespError>(await r.CallAsync("EXEC"));
        Assert.StartsWith("EXECABORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("MASTERDOWN", error.Message, StringComparison.Ordinal);

        // MULTI is allowed on a stale replica; a read queued there runs once the node is a primary again.
        Assert.Equal("OK", await r.CallAsync("MULTI"));
        Assert.Equal("OK", await r1.CallAsync("REPLICAOF", "NO", "ONE"));
        Assert.Equal("QUEUED", await r.CallAsync("GET", "xx"));
        Assert.Equal(new object?[] { "1" }, await r.CallAsync("EXEC"));
    }
}
