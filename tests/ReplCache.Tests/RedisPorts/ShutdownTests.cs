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
public sealed class ShutdownTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-shutdown-tcl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

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
        int masterPort = LocalPorts.Free(), replicaPort = LocalPorts.Free();
        string masterConfig = Write("master.conf", $"port {masterPort}\nbind 127.0.0.1\nlogfile master.log\ndbfilename master.rdb\nsave \"\"\n");
        string replicaConfig = Write("replica.conf", $"port {replicaPort}\nbind 127.0.0.1\nlogfile replica.log\ndbfilename replica.rdb\nsave \"\"\nreplicaof 127.0.0.1 {masterPort}\n");
        await using ServerProcess masterProcess = ServerProcess.Start(_dir, masterConfig);
        await masterProcess.WaitReadyAsync();
        await using ServerProcess replicaProcess = ServerProcess.Start(_dir, replicaConfig);
        await replicaProcess.WaitReadyAsync();
        await using RespTestClient master = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, masterPort));
        await using RespTestClient replica = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, replicaPort));
        await Poll.UntilAsync(async () => Info(await master.CallAsync("INFO", "replication")).Contains("connected_slaves:1\r\n"), "the replica to connect");
        Assert.Equal("OK", await master.CallAsync("SET", "k", "1"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));

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
        Assert.Contains("Shutdown manually aborted", File.ReadAllText(Path.Combine(_dir, "master.log")));
        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "2", "the resumed replica to get the write");
        Assert.False(masterProcess.HasExited);
        Assert.Equal("OK", await master.CallAsync("SET", "k", "3"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));
        Assert.Equal(new RespError("ERR No shutdown in progress."), await master.CallAsync("SHUTDOWN", "ABORT"));

        // And a later SHUTDOWN, with the replica in sync, stops it.
        await rd1.SendAsync(RespTestClient.Encode("SHUTDOWN"));
        Assert.True(await rd1.IsClosedAsync());
        Assert.Equal(0, await masterProcess.WaitForExitAsync(ExitTimeout));
    }

    private static string Info(object? reply) => Assert.IsType<string>(reply);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
