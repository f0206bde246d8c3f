using System.Net;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Server;

/// <summary>
/// replcache-server's SIGTERM runs the same shutdown as SHUTDOWN, as Redis's does: it waits for a lagging replica,
/// SHUTDOWN ABORT cancels it and the server serves on, and the next SIGTERM starts a new shutdown.
/// </summary>
public sealed class SigtermShutdownAbortTests
{
    [Fact]
    public async Task SigtermWaitingForAPausedReplica_IsAbortedBySHUTDOWNABORT_AndTheNextSigtermStopsTheServer()
    {
        await using ServerPair pair = await ServerPair.StartAsync("replcache-sigterm-abort-");
        (ServerProcess masterProcess, ServerProcess replicaProcess) = (pair.Master, pair.Replica);
        (RespTestClient master, RespTestClient replica) = (pair.MasterClient, pair.ReplicaClient);

        replicaProcess.Freeze();
        Assert.Equal("OK", await master.CallAsync("SET", "k", "2"));
        masterProcess.Terminate();
        string log = pair.MasterLog;
        await Poll.UntilAsync(() => File.ReadAllText(log).Contains("before shutting down (SHUTDOWN ABORT cancels)", StringComparison.Ordinal), "the shutdown to wait for the replica", TimeSpan.FromSeconds(4));
        Assert.Equal("OK", await master.CallAsync("SHUTDOWN", "ABORT"));
        replicaProcess.Thaw();

        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "2", "the resumed replica to get the write");
        Assert.False(masterProcess.HasExited);
        Assert.Equal("OK", await master.CallAsync("SET", "k", "3"));
        Assert.Equal(1L, await master.CallAsync("WAIT", "1", "10000"));

        masterProcess.Terminate();
        Assert.Equal(0, await masterProcess.WaitForExitAsync(ServerPair.ExitTimeout));
        Assert.Contains("1 of 1 replicas are in sync when shutting down", File.ReadAllText(log));
        await Poll.UntilAsync(async () => await replica.CallAsync("GET", "k") is "3", "the replica to hold the last write");
    }
}
