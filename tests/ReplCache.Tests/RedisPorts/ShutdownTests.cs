using System.Globalization;
using System.Net;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;
using ReplCache.Tests.Server;

namespace ReplCache.Tests.RedisPorts;

/// <summary>
/// Redis's tests/integration/shutdown.tcl (Redis 7: a master's shutdown waits for lagging replicas), with real
/// replcache-server processes: the replica is paused with SIGSTOP, as Redis's <c>pause_process</c>.
/// </summary>
public sealed class ShutdownTests
{
    /// <summary>
    /// "Shutting down master waits for replica then aborted": two clients' SHUTDOWN wait for a paused replica that
    /// has not acknowledged the last write (both blocked, <c>blocked_clients:2</c>); <c>SHUTDOWN ABORT</c> answers
    /// <c>+OK</c>, both get Redis's "Errors trying to SHUTDOWN. Check logs." and are served on, the log says
    /// "Shutdown manually aborted", and the master keeps serving: the resumed replica gets the write, WAIT counts it.
    /// The wait lasts at most the drain timeout (5 s), so everything up to the ABORT happens well within it.
    /// </summary>
    [Fact]
    public async Task ShuttingDownMasterWaitsForReplicaThenAborted()
    {
        await using ServerPair pair = await ServerPair.StartAsync("replcache-shutdown-tcl-");
        (ServerProcess masterProcess, ServerProcess replicaProcess) = (pair.Master, pair.Replica);
        (RespTestClient master, RespTestClient replica, int masterPort) = (pair.MasterClient, pair.ReplicaClient, pair.MasterPort);

        // Pause the replica and write a key on master.
        replicaProcess.Freeze();
        Assert.Equal("OK", await master.CallAsync("SET", "k", "2"));

        // Two clients call blocking SHUTDOWN in parallel.
        await using RespTestClient rd1 = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, masterPort));
        await using RespTestClient rd2 = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, masterPort));
        await rd1.SendAsync(RespTestClient.Encode("SHUTDOWN"));
        await rd2.SendAsync(RespTestClient.Encode("SHUTDOWN"));
        await Poll.UntilAsync(async () => Info(await master.CallAsync("INFO", "clients")).Contains("blocked_clients:2\r\n"), "both SHUTDOWN clients to block", TimeSpan.FromSeconds(4));
        Assert.Contains("connected_clients:3\r\n", Info(await master.CallAsync("INFO", "clients")));

        // Abort the shutdown.
        Assert.Equal("OK", await master.CallAsync("SHUTDOWN", "ABORT"));

        // Wake up the replica: the master, which has not exited, serves it on.
        replicaProcess.Thaw();

        // SHUTDOWN returns an error to both clients blocking on SHUTDOWN.
        Assert.Equal(new RespError("ERR Errors trying to SHUTDOWN. Check logs."), await rd1.ReadAsync());
        Assert.Equal(new RespError("ERR Errors trying to SHUTDOWN. Check logs."), await rd2.ReadAsync());
        Assert.Equal("PONG", await rd1.CallAsync("PING"));
        Assert.Contains("blocked_clients:0\r\n", Info(await master.CallAsync("INFO", "clients")));

        // Check the shutdown log message on master, and that it goes on: the replica catches up and WAIT counts it.
        Assert.Contains("Shutdown manually aborted", File.ReadAllText(pair.MasterLog));
        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "2", "the resumed replica to get the write");
        Assert.False(masterProcess.HasExited);
        Assert.Equal("OK", await master.CallAsync("SET", "k", "3"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));
        Assert.Equal(new RespError("ERR No shutdown in progress."), await master.CallAsync("SHUTDOWN", "ABORT"));

        // And a later SHUTDOWN, with the replica in sync, stops it.
        await rd1.SendAsync(RespTestClient.Encode("SHUTDOWN"));
        Assert.True(await rd1.IsClosedAsync());
        Assert.Equal(0, await masterProcess.WaitForExitAsync(ServerPair.ExitTimeout));
    }

    private static string Info(object? reply) => Assert.IsType<string>(reply);
}
