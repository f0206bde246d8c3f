using System.Net;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Server;

/// <summary>
/// replcache-server's SIGTERM runs the same shutdown as SHUTDOWN, as Redis's does: it waits for a lagging replica,
/// SHUTDOWN ABORT cancels it and the server serves on, and the next SIGTERM starts a new shutdown.
/// </summary>
public sealed class SigtermShutdownAbortTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-sigterm-abort-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SigtermWaitingForAPausedReplica_IsAbortedBySHUTDOWNABORT_AndTheNextSigtermStopsTheServer()
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
        Assert.Equal("OK", await master.CallAsync("SET", "k", "1"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));

        replicaProcess.Freeze();
        Assert.Equal("OK", await master.CallAsync("SET", "k", "2"));
        masterProcess.Terminate();
        string log = Path.Combine(_dir, "master.log");
        await Poll.UntilAsync(() => File.ReadAllText(log).Contains("before shutting down (SHUTDOWN ABORT cancels)", StringComparison.Ordinal), "the shutdown to wait for the replica", TimeSpan.FromSeconds(4));
        Assert.Equal("OK", await master.CallAsync("SHUTDOWN", "ABORT"));
        replicaProcess.Thaw();

        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "2", "the resumed replica to get the write");
        Assert.False(masterProcess.HasExited);
        Assert.Equal("OK", await master.CallAsync("SET", "k", "3"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));

        masterProcess.Terminate();
        Assert.Equal(0, await masterProcess.WaitForExitAsync(ExitTimeout));
        Assert.Contains("1 of 1 replicas are in sync when shutting down", File.ReadAllText(log));
        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "3", "the replica to hold the last write");
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
