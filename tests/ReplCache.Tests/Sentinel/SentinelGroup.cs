using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;
using ReplCache.Tests.Server;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// Three real Redis Sentinels (quorum 2) watching a group of real replcache-server processes on 127.0.0.1, each
/// server on a port of its own that stays its own across restarts (Sentinel knows nodes by address), each with a
/// config file in a directory of its own so CONFIG REWRITE and restarts behave as in production.
/// </summary>
internal sealed class SentinelGroup : IAsyncDisposable
{
    public const string MasterName = "mymaster";
    public const int DownAfterMilliseconds = 2000;
    public const int FailoverTimeoutMilliseconds = 10_000;

    private readonly string _dir = Directory.CreateTempSubdirectory("replcache-sentinel-group-").FullName;
    private readonly List<SentinelProcess> _sentinels = [];

    private SentinelGroup(int[] ports)
    {
        Ports = ports;
        Servers = new ServerProcess?[ports.Length];
    }

    /// <summary>The RESP (and replication) port of each server, the first one the initial primary's.</summary>
    public int[] Ports { get; }

    /// <summary>The running process of each server; null while one is down.</summary>
    public ServerProcess?[] Servers { get; }

    public IReadOnlyList<SentinelProcess> Sentinels => _sentinels;

    /// <summary>
    /// Starts <paramref name="servers"/> servers, the first a primary and the others its secondaries (each server's
    /// extra config lines from <paramref name="extraLines"/>, by index), waits until they are in sync, then three
    /// Sentinels, and waits until every Sentinel sees every secondary and the other two Sentinels.
    /// </summary>
    public static async Task<SentinelGroup> StartAsync(int servers = 3, Func<int, string[]>? extraLines = null)
    {
        var group = new SentinelGroup([.. Enumerable.Range(0, servers).Select(_ => LocalPorts.Free())]);
        try
        {
            for (int i = 0; i < servers; i++)
            {
                string[] extra = extraLines?.Invoke(i) ?? [];
                group.WriteConfig(i, i == 0 ? extra : [$"replicaof 127.0.0.1 {group.Ports[0].ToString(CultureInfo.InvariantCulture)}", .. extra]);
                await group.StartServerAsync(i);
            }

            await Poll.UntilAsync(async () => (await group.InfoAsync(0)).GetValueOrDefault("connected_slaves") == (servers - 1).ToString(CultureInfo.InvariantCulture),
                "the secondaries to connect to the first primary", TimeSpan.FromSeconds(60));
            for (int i = 0; i < 3; i++)
            {
                group._sentinels.Add(await SentinelProcess.StartAsync(group.Ports[0], MasterName, DownAfterMilliseconds, quorum: 2, FailoverTimeoutMilliseconds));
            }

            foreach (SentinelProcess sentinel in group._sentinels)
            {
                await sentinel.WaitUntilAsync(async () =>
                {
                    Dictionary<string, string> master = SentinelProcess.Fields(await sentinel.Client.CallAsync("SENTINEL", "master", MasterName));
                    return master["num-slaves"] == (servers - 1).ToString(CultureInfo.InvariantCulture) && master["num-other-sentinels"] == "2";
                }, "each Sentinel to know every secondary and the other Sentinels", TimeSpan.FromSeconds(60));
            }

            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    public string ConfigPath(int server) => Path.Combine(_dir, $"n{server}", "replcache.conf");

    /// <summary>Starts (or restarts) server <paramref name="server"/> from its config file as it is now.</summary>
    public async Task StartServerAsync(int server)
    {
        ServerProcess process = ServerProcess.Start(Path.GetDirectoryName(ConfigPath(server))!, ConfigPath(server));
        Servers[server] = process;
        await process.WaitReadyAsync();
    }

    /// <summary>kill -9 of server <paramref name="server"/>.</summary>
    public async Task KillAsync(int server)
    {
        ServerProcess process = Servers[server] ?? throw new InvalidOperationException($"server {server} is not running");
        Servers[server] = null;
        process.KillHard();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await process.DisposeAsync();
    }

    /// <summary>The address every Sentinel gives for the primary once they agree; null while they do not.</summary>
    public async Task<int?> AgreedPrimaryPortAsync()
    {
        int? agreed = null;
        foreach (SentinelProcess sentinel in _sentinels)
        {
            object?[] address = Assert.IsType<object?[]>(await sentinel.Client.CallAsync("SENTINEL", "get-master-addr-by-name", MasterName));
            int port = int.Parse(Assert.IsType<string>(address[1]), CultureInfo.InvariantCulture);
            if (agreed is not null && agreed != port)
            {
                return null;
            }

            agreed = port;
        }

        return agreed;
    }

    /// <summary>Waits until every Sentinel names a primary other than <paramref name="oldPort"/>, and returns its index.</summary>
    public async Task<int> WaitForNewPrimaryAsync(int oldPort, TimeSpan timeout)
    {
        int? index = null;
        await WaitAsync(async () =>
        {
            int? port = await AgreedPrimaryPortAsync();
            index = port is { } p && p != oldPort ? Array.IndexOf(Ports, p) : null;
            return index is >= 0;
        }, "the Sentinels to agree on a new primary", timeout);
        return index!.Value;
    }

    /// <summary>INFO of server <paramref name="server"/>, on a connection of its own (failovers kill clients).</summary>
    public async Task<Dictionary<string, string>> InfoAsync(int server)
    {
        await using RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Ports[server]));
        string text = Assert.IsType<string>(await client.CallAsync("INFO"));
        return text.Split("\r\n").Where(l => l.Contains(':', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }

    /// <summary>Whether server <paramref name="server"/> is a secondary of <paramref name="primary"/> with its link up.</summary>
    public async Task<bool> FollowsAsync(int server, int primary)
    {
        try
        {
            Dictionary<string, string> info = await InfoAsync(server);
            return info["role"] == "slave" && info.GetValueOrDefault("master_port") == Ports[primary].ToString(CultureInfo.InvariantCulture)
                && info.GetValueOrDefault("master_link_status") == "up";
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false; // restarting, or killing clients as a failover does
        }
    }

    /// <summary>Polls <paramref name="condition"/>; past the deadline fails with every Sentinel's log and every server's output.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        try
        {
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    return await condition();
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    return false;
                }
            }, what, timeout);
        }
        catch (TimeoutException timedOut)
        {
            throw new TimeoutException($"{timedOut.Message}\n{Logs()}", timedOut);
        }
    }

    public string Logs() =>
        string.Join("\n", _sentinels.Select((s, i) => $"--- sentinel {i}:\n{s.Log}"))
        + string.Join("\n", Enumerable.Range(0, Ports.Length).Select(i => $"--- server {i} (port {Ports[i]}):\n{ServerLog(i)}"));

    public string ServerLog(int server)
    {
        string log = Path.Combine(Path.GetDirectoryName(ConfigPath(server))!, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SentinelProcess sentinel in _sentinels)
        {
            await sentinel.DisposeAsync();
        }

        foreach (ServerProcess? server in Servers)
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A server killed a moment ago may still hold its log open; the temp directory is the OS's to clean then.
        }
    }

    private void WriteConfig(int server, string[] lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath(server))!);
        File.WriteAllLines(ConfigPath(server),
        [
            $"port {Ports[server].ToString(CultureInfo.InvariantCulture)}",
            "bind 127.0.0.1",
            "logfile server.log",
            "save \"\"",
            .. lines,
        ]);
    }
}
