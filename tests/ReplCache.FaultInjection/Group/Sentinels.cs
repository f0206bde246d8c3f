using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ReplCache.FaultInjection.Group;

/// <summary>
/// Three real Redis Sentinels (quorum 2, down-after 2000 ms, failover-timeout 10 s) watching the group through the
/// nodes' proxies; the same settings whichever server the group runs.
/// </summary>
public sealed class Sentinels : IAsyncDisposable
{
    public const string MasterName = "mymaster";
    private readonly List<Process> _processes = [];

    private Sentinels(int[] ports, string dir)
    {
        Ports = ports;
        Dir = dir;
    }

    public int[] Ports { get; }

    public string Dir { get; }

    public static Sentinels Start(string dir, int masterAnnouncedPort)
    {
        var sentinels = new Sentinels([FreePort(), FreePort(), FreePort()], dir);
        for (int i = 0; i < sentinels.Ports.Length; i++)
        {
            string own = Directory.CreateDirectory(Path.Combine(dir, $"sentinel{i}")).FullName;
            string config = Path.Combine(own, "sentinel.conf");
            File.WriteAllLines(config,
            [
                $"port {sentinels.Ports[i]}", "bind 127.0.0.1", "daemonize no", $"dir {own}", "logfile sentinel.log",
                $"sentinel monitor {MasterName} 127.0.0.1 {masterAnnouncedPort.ToString(CultureInfo.InvariantCulture)} 2",
                $"sentinel down-after-milliseconds {MasterName} 2000",
                $"sentinel failover-timeout {MasterName} 10000",
                $"sentinel parallel-syncs {MasterName} 1",
            ]);
            var start = new ProcessStartInfo(NodeProcess.FindOnPath("redis-server")!) { WorkingDirectory = own, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(config);
            start.ArgumentList.Add("--sentinel");
            Process process = Process.Start(start) ?? throw new InvalidOperationException("Sentinel did not start");
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            sentinels._processes.Add(process);
        }

        return sentinels;
    }

    public bool AllRunning => _processes.All(p => !p.HasExited);

    public string Logs => string.Join("\n", Enumerable.Range(0, Ports.Length).Select(i =>
        $"--- sentinel {i}:\n" + (File.Exists(Path.Combine(Dir, $"sentinel{i}", "sentinel.log")) ? File.ReadAllText(Path.Combine(Dir, $"sentinel{i}", "sentinel.log")) : "")));

    /// <summary>The announced port every answering Sentinel gives for the primary, when they agree; null otherwise.</summary>
    public async Task<int?> AgreedPrimaryAsync(CancellationToken cancellationToken)
    {
        int? agreed = null;
        foreach (int port in Ports)
        {
            try
            {
                await using RespConnection sentinel = await RespConnection.ConnectAsync(port, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (await sentinel.CallAsync(RespConnection.DefaultTimeout, cancellationToken, "SENTINEL", "get-master-addr-by-name", MasterName).ConfigureAwait(false) is not object?[] { Length: 2 } address)
                {
                    return null;
                }

                int primary = int.Parse((string)address[1]!, CultureInfo.InvariantCulture);
                if (agreed is not null && agreed != primary)
                {
                    return null;
                }

                agreed = primary;
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
                return null;
            }
        }

        return agreed;
    }

    /// <summary>Whether each Sentinel knows <paramref name="replicas"/> replicas and the two other Sentinels.</summary>
    public async Task<bool> KnowGroupAsync(int replicas, CancellationToken cancellationToken)
    {
        foreach (int port in Ports)
        {
            try
            {
                await using RespConnection sentinel = await RespConnection.ConnectAsync(port, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (await sentinel.CallAsync(RespConnection.DefaultTimeout, cancellationToken, "SENTINEL", "master", MasterName).ConfigureAwait(false) is not object?[] fields)
                {
                    return false;
                }

                string Field(string name) => (string)fields[Array.IndexOf(fields, name) + 1]!;
                if (Field("num-slaves") != replicas.ToString(CultureInfo.InvariantCulture) || Field("num-other-sentinels") != "2")
                {
                    return false;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>SENTINEL FAILOVER on the first Sentinel that accepts it.</summary>
    public async Task<bool> FailoverAsync(CancellationToken cancellationToken)
    {
        foreach (int port in Ports)
        {
            try
            {
                await using RespConnection sentinel = await RespConnection.ConnectAsync(port, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (await sentinel.CallAsync(RespConnection.DefaultTimeout, cancellationToken, "SENTINEL", "FAILOVER", MasterName).ConfigureAwait(false) is "OK")
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }
        }

        return false;
    }

    public ValueTask DisposeAsync()
    {
        foreach (Process process in _processes)
        {
            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A free port below the kernel's ephemeral range, for a node that the nemeses restart: a port from that range
    /// could be taken, while the node is down, by one of the thousands of client connections a run opens, and the
    /// restarted node would then fail to bind (a crash of the harness, not of the node).
    /// </summary>
    internal static int StablePort()
    {
        int low = 32768;
        try
        {
            low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
        }

        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(10_000, Math.Max(10_001, low));
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        return FreePort();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
