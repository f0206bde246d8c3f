using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ReplCache.Benchmarks;

/// <summary>
/// Sentinel failover, side by side: a group of three servers (replcache-server, or redis-server) watched by three real
/// Sentinels with the same settings (quorum 2, down-after 2000 ms, failover-timeout 10 s); the primary is killed with
/// SIGKILL and the time to the first write a surviving node accepts is measured, with the full syncs the failover
/// caused. Rounds alternate between the two kinds, each on a fresh group; the medians are compared.
/// </summary>
internal static class FailoverBench
{
    private const int DownAfterMilliseconds = 2000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static int Run(int rounds)
    {
        if (RedisPeer.FindOnPath("redis-server") is null || RedisPeer.ReplCacheServerDll is null)
        {
            Console.Error.WriteLine("failover needs redis-server on PATH (apt-get install redis-server) and a Release build of replcache-server.");
            return 1;
        }

        var results = new Dictionary<string, List<(double Seconds, long FullSyncs)>> { ["redis"] = [], ["replcache"] = [] };
        for (int round = 0; round < rounds; round++)
        {
            foreach (string kind in new[] { "redis", "replcache" })
            {
                (double seconds, long fullSyncs) = RunOnce(kind);
                results[kind].Add((seconds, fullSyncs));
                Console.WriteLine($"round {round + 1} {kind,-9}: first write on the new primary {seconds:F2} s after kill -9; full syncs caused: {fullSyncs}");
            }
        }

        double redis = Median(results["redis"].Select(r => r.Seconds));
        double replcache = Median(results["replcache"].Select(r => r.Seconds));
        Console.WriteLine();
        Console.WriteLine($"kill -9 of the primary -> first write accepted by the new primary (down-after {DownAfterMilliseconds} ms), median of {rounds}:");
        Console.WriteLine($"  redis-server     {redis:F2} s   full syncs per failover: {string.Join(", ", results["redis"].Select(r => r.FullSyncs))}");
        Console.WriteLine($"  replcache-server {replcache:F2} s   full syncs per failover: {string.Join(", ", results["replcache"].Select(r => r.FullSyncs))}");
        Console.WriteLine($"  ReplCache - Redis: {replcache - redis:+0.00;-0.00} s (target: at most +1 s)");
        return 0;
    }

    private static (double Seconds, long FullSyncs) RunOnce(string kind)
    {
        string dir = Directory.CreateTempSubdirectory($"replcache-failover-bench-{kind}-").FullName;
        var processes = new List<Process>();
        try
        {
            int[] ports = [FreePort(), FreePort(), FreePort()];
            Process?[] servers = new Process?[3];
            for (int i = 0; i < 3; i++)
            {
                servers[i] = StartServer(kind, dir, i, ports, processes);
                WaitUntil(() => Ping(ports[i]), $"{kind} server {i} to answer PING");
            }

            WaitUntil(() => Field(Info(ports[0]), "connected_slaves") == 2, "both secondaries to connect");
            int[] sentinelPorts = [FreePort(), FreePort(), FreePort()];
            for (int i = 0; i < 3; i++)
            {
                processes.Add(StartSentinel(dir, i, sentinelPorts[i], ports[0]));
            }

            foreach (int port in sentinelPorts)
            {
                WaitUntil(() => SentinelKnowsGroup(port), "each Sentinel to know both secondaries and the other Sentinels");
            }

            using (var primary = new RespClient(ports[0]))
            {
                primary.Pipeline([.. Enumerable.Range(0, 1000).Select(i => new[] { "SET", $"k{i}", new string('v', 100) })]);
            }

            long offset = Field(Info(ports[0]), "master_repl_offset");
            WaitUntil(() => Field(Info(ports[1]), "slave_repl_offset") >= offset && Field(Info(ports[2]), "slave_repl_offset") >= offset, "both secondaries to catch up");

            servers[0]!.Kill(); // SIGKILL
            var clock = Stopwatch.StartNew();
            int promoted = -1;
            WaitUntil(() =>
            {
                for (int i = 1; i < 3; i++)
                {
                    if (TrySet(ports[i]))
                    {
                        promoted = i;
                        return true;
                    }
                }

                return false;
            }, "a surviving node to accept a write");
            double seconds = clock.Elapsed.TotalSeconds;

            int sibling = 3 - promoted;
            WaitUntil(() => Follows(ports[sibling], ports[promoted]), "the other secondary to follow the new primary");
            long fullSyncs = Field(Info(ports[promoted]), "sync_full") + Field(Info(ports[sibling]), "sync_full");
            return (seconds, fullSyncs);
        }
        finally
        {
            foreach (Process process in processes)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }

                process.Dispose();
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Process StartServer(string kind, string dir, int index, int[] ports, List<Process> processes)
    {
        string nodeDir = Directory.CreateDirectory(Path.Combine(dir, $"n{index}")).FullName;
        string config = Path.Combine(nodeDir, "node.conf");
        var lines = new List<string> { $"port {ports[index]}", "bind 127.0.0.1", "save \"\"", $"dir {nodeDir}", "logfile node.log", "repl-backlog-size 16mb" };
        if (index > 0)
        {
            lines.Add($"replicaof 127.0.0.1 {ports[0]}");
        }

        if (kind == "redis")
        {
            lines.AddRange(["appendonly no", "protected-mode no", "repl-diskless-sync yes", "repl-diskless-sync-delay 0"]);
        }

        File.WriteAllLines(config, lines);
        ProcessStartInfo start = kind == "redis"
            ? new ProcessStartInfo(RedisPeer.FindOnPath("redis-server")!)
            : new ProcessStartInfo("dotnet") { ArgumentList = { RedisPeer.ReplCacheServerDll! } };
        start.ArgumentList.Add(config);
        start.WorkingDirectory = nodeDir;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{kind} server did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        processes.Add(process);
        return process;
    }

    private static Process StartSentinel(string dir, int index, int port, int masterPort)
    {
        string sentinelDir = Directory.CreateDirectory(Path.Combine(dir, $"s{index}")).FullName;
        string config = Path.Combine(sentinelDir, "sentinel.conf");
        File.WriteAllLines(config,
        [
            $"port {port}", "bind 127.0.0.1", "daemonize no", $"dir {sentinelDir}", "logfile sentinel.log",
            $"sentinel monitor mymaster 127.0.0.1 {masterPort} 2",
            $"sentinel down-after-milliseconds mymaster {DownAfterMilliseconds}",
            "sentinel failover-timeout mymaster 10000",
            "sentinel parallel-syncs mymaster 1",
        ]);
        var start = new ProcessStartInfo(RedisPeer.FindOnPath("redis-server")!) { WorkingDirectory = sentinelDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(config);
        start.ArgumentList.Add("--sentinel");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("Sentinel did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static bool SentinelKnowsGroup(int port)
    {
        try
        {
            using var client = new RespClient(port);
            string[] fields = (client.Call("SENTINEL", "master", "mymaster") ?? "").Split('\n');
            string Get(string name) => fields[Array.IndexOf(fields, name) + 1];
            return Get("num-slaves") == "2" && Get("num-other-sentinels") == "2";
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TrySet(int port)
    {
        try
        {
            using var client = new RespClient(port);
            return client.Call("SET", "probe", "1") == "OK";
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            return false; // READONLY until promoted, or a connection killed by the failover
        }
    }

    private static bool Follows(int port, int primaryPort)
    {
        string info = Info(port);
        return info.Contains("role:slave\r\n", StringComparison.Ordinal) && info.Contains($"master_port:{primaryPort}\r\n", StringComparison.Ordinal)
            && info.Contains("master_link_status:up\r\n", StringComparison.Ordinal);
    }

    private static bool Ping(int port)
    {
        try
        {
            using var client = new RespClient(port);
            return client.Call("PING") == "PONG";
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Info(int port)
    {
        try
        {
            using var client = new RespClient(port);
            return client.Call("INFO") ?? "";
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            return "";
        }
    }

    private static long Field(string info, string name) => RedisPeer.Field(info, name);

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            Thread.Sleep(10); // the driving thread sleeps between probes: it never spins on a core the nodes need
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
