using System.Net;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Server;

/// <summary>
/// A replcache-server primary and its replica as real processes in one temporary directory (their logs are
/// <c>master.log</c> and <c>replica.log</c> there, no save points), each with a RESP client, the replica in sync
/// with a first write acknowledged by WAIT: the start of the shutdown tests, which pause the replica with SIGSTOP.
/// </summary>
internal sealed class ServerPair : IAsyncDisposable
{
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private ServerPair(string directory, int masterPort, ServerProcess master, ServerProcess replica, RespTestClient masterClient, RespTestClient replicaClient)
    {
        Directory = directory;
        MasterPort = masterPort;
        Master = master;
        Replica = replica;
        MasterClient = masterClient;
        ReplicaClient = replicaClient;
    }

    public string Directory { get; }

    public int MasterPort { get; }

    public ServerProcess Master { get; }

    public ServerProcess Replica { get; }

    public RespTestClient MasterClient { get; }

    public RespTestClient ReplicaClient { get; }

    public string MasterLog => Path.Combine(Directory, "master.log");

    /// <summary>Starts both, waits for the replica's link, and writes <c>k=1</c> with WAIT 1.</summary>
    public static async Task<ServerPair> StartAsync(string directoryPrefix)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory(directoryPrefix).FullName;
        int masterPort = LocalPorts.Free(), replicaPort = LocalPorts.Free();
        string masterConfig = Write(dir, "master.conf", $"port {masterPort}\nbind 127.0.0.1\nlogfile master.log\ndbfilename master.rdb\nsave \"\"\n");
        string replicaConfig = Write(dir, "replica.conf", $"port {replicaPort}\nbind 127.0.0.1\nlogfile replica.log\ndbfilename replica.rdb\nsave \"\"\nreplicaof 127.0.0.1 {masterPort}\n");
        ServerProcess master = ServerProcess.Start(dir, masterConfig);
        await master.WaitReadyAsync();
        ServerProcess replica = ServerProcess.Start(dir, replicaConfig);
        await replica.WaitReadyAsync();
        RespTestClient masterClient = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, masterPort));
        RespTestClient replicaClient = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, replicaPort));
        var pair = new ServerPair(dir, masterPort, master, replica, masterClient, replicaClient);
        await Poll.UntilAsync(async () => Assert.IsType<string>(await masterClient.CallAsync("INFO", "replication")).Contains("connected_slaves:1\r\n"), "the replica to connect");
        Assert.Equal("OK", await masterClient.CallAsync("SET", "k", "1"));
        Assert.Equal(1L, await masterClient.CallAsync("WAIT", "1", "10000"));
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        await MasterClient.DisposeAsync();
        await ReplicaClient.DisposeAsync();
        await Replica.DisposeAsync();
        await Master.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
