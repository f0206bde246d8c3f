using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Caching.Distributed;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Server;

/// <summary>The replcache-server program as operators run it: a real process on 127.0.0.1, configured by a file.</summary>
public sealed class ServerProcessTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-server-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task StartsFromAFile_WritesItsPidfileAndLog_AndReplicatesDownAChain()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        primary.Cache.SetString("k1", "v1");
        string config = WriteConfig("server.conf", primary.Address);

        await using ServerProcess server = ServerProcess.Start(_dir, config);
        Uri address = await server.WaitReadyAsync();
        Assert.Equal(server.Id.ToString(CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(_dir, "server.pid")).Trim());

        // primary (in the test) -> replcache-server (replicaof) -> secondary (in the test)
        await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
        await Poll.UntilAsync(() => secondary.Cache.GetString("k1") == "v1", "the secondary to receive the primary's data through the server");
        primary.Cache.SetString("k2", "v2");
        await Poll.UntilAsync(() => secondary.Cache.GetString("k2") == "v2", "a later write to flow through the server");

        string log = File.ReadAllText(Path.Combine(_dir, "server.log"));
        Assert.Matches(new Regex(@"(?m)^\d+:S \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} \* Ready to accept connections tcp\r?$"), log);
        Assert.Contains($"Running mode=standalone, port={address.Port}.", log);
    }

    [Fact]
    public async Task Sigterm_StopsGracefully_SavesTheSnapshot_AndARestartLoadsIt()
    {
        await using ReplicatedCacheNode primary = await Nodes.StartPrimaryAsync();
        for (int i = 0; i < 3; i++)
        {
            primary.Cache.SetString($"k{i}", $"v{i}");
        }

        string config = WriteConfig("server.conf", primary.Address);
        string pidfile = Path.Combine(_dir, "server.pid");
        string snapshot = Path.Combine(_dir, "dump.rdb");

        await using (ServerProcess server = ServerProcess.Start(_dir, config))
        {
            Uri address = await server.WaitReadyAsync();
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
            await Poll.UntilAsync(() => secondary.Cache.Count == 3, "the server to hold the primary's three keys");
            Assert.False(File.Exists(snapshot), "nothing has saved yet: the default save points are minutes away");

            server.Terminate();
            Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
            Assert.False(File.Exists(pidfile), "the pidfile is removed at exit");
            Assert.True(File.Exists(snapshot), "SIGTERM saves, as Redis with save points configured");
            string log = File.ReadAllText(Path.Combine(_dir, "server.log"));
            Assert.Contains("Received SIGTERM scheduling shutdown...", log);
            Assert.Contains("DB saved on disk", log);
        }

        // The tutorial's step 8, minus the primary: the restarted node comes back with its data. The override after
        // the file turns it into a primary, so what it serves can only come from the snapshot.
        await using (ServerProcess restarted = ServerProcess.Start(_dir, config, "--replicaof", "no", "one"))
        {
            Uri address = await restarted.WaitReadyAsync();
            await using ReplicatedCacheNode secondary = await Nodes.StartSecondaryAsync(address);
            await Poll.UntilAsync(() => secondary.Replication.GetInfo().LinkStatus == PrimaryLinkStatus.Up && secondary.Cache.Count == 3, "the restarted server to serve its loaded snapshot");
            Assert.Equal("v2", secondary.Cache.GetString("k2"));
            Assert.Equal(primary.Cache.GetDigest(), secondary.Cache.GetDigest());

            restarted.Terminate();
            Assert.Equal(0, await restarted.WaitForExitAsync(ExitTimeout));
        }
    }

    [Fact]
    public async Task ABadConfig_ExitsWithOne_NamingTheFileAndLine()
    {
        string config = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(config, "port 0\n# a comment\nrepl-timeout soon\n");
        await using ServerProcess server = ServerProcess.Start(_dir, config);
        Assert.Equal(1, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains("*** FATAL CONFIG FILE ERROR ***", server.Stderr);
        Assert.Contains($"Reading the configuration file {config}, at line 3", server.Stderr);
        Assert.Contains(">>> 'repl-timeout soon'", server.Stderr);
        Assert.Contains("argument couldn't be parsed into an integer", server.Stderr);
    }

    [Fact]
    public async Task APortInUse_ExitsWithOne_SayingWhy()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using ServerProcess server = ServerProcess.Start(_dir, "--port", port.ToString(CultureInfo.InvariantCulture), "--pidfile", "busy.pid");
        Assert.Equal(1, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains("failed to start", server.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "busy.pid")), "a server that did not start leaves no pidfile");
    }

    /// <summary>The tutorial's config shape, on port 0, replicating from <paramref name="primary"/>.</summary>
    private string WriteConfig(string name, Uri primary)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"""
            # as redis6380.conf in the tutorial
            bind 127.0.0.1 -::1
            port 0
            pidfile server.pid
            logfile "server.log"
            dbfilename dump.rdb
            replicaof {primary.Host} {primary.Port}
            """);
        return path;
    }
}
