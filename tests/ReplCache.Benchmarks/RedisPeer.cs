using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ReplCache.Benchmarks;

/// <summary>
/// A redis-server process on loopback, started by the bench with diskless sync and no persistence — or, for the
/// redis-benchmark comparison, a replcache-server process configured the same way.
/// </summary>
internal sealed class RedisPeer : IDisposable
{
    private readonly Process _process;
    private readonly string? _dir;

    private RedisPeer(Process process, int port, string? dir)
    {
        _process = process;
        Port = port;
        _dir = dir;
    }

    public int Port { get; }

    /// <summary>The CPU time the server process has used so far.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static bool IsInstalled => FindOnPath("redis-server") is not null && FindOnPath("redis-benchmark") is not null;

    /// <summary>Starts a primary that loads dump.rdb from <paramref name="dataDir"/> (the directory stays the caller's).</summary>
    public static RedisPeer StartWithData(string dataDir) => Start(null, dataDir);

    public static RedisPeer Start(int? replicaOfPort = null) => Start(replicaOfPort, null);

    /// <summary>The replcache-server build next to the bench (Release), found from the repository root.</summary>
    public static string? ReplCacheServerDll
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "src", "ReplCache.Server", "bin", "Release", "net10.0", "ReplCache.Server.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>A replcache-server on a free port, without persistence, optionally a replica of <paramref name="replicaOfPort"/>.</summary>
    public static RedisPeer StartReplCacheServer(int? replicaOfPort = null)
    {
        int port = FreePort();
        string dir = Directory.CreateTempSubdirectory("replcache-bench-server-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        var arguments = new List<string>
        {
            ReplCacheServerDll ?? throw new InvalidOperationException("replcache-server is not built: dotnet build src/ReplCache.Server -c Release"),
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
            "--repl-backlog-size", "16mb", "--logfile", Path.Combine(dir, "server.log"),
        };
        if (replicaOfPort is int primary)
        {
            arguments.AddRange(["--replicaof", "127.0.0.1 " + primary.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.ForEach(start.ArgumentList.Add);
        var process = Process.Start(start) ?? throw new InvalidOperationException("replcache-server did not start.");
        DrainOutput(process);
        var peer = new RedisPeer(process, port, dir);
        peer.WaitUntil(() => peer.TryPing(), "replcache-server to answer PING");
        return peer;
    }

    private static void DrainOutput(Process process)
    {
        // Nobody reads a server's console here; unread pipes would eventually block it.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
    }

    private static RedisPeer Start(int? replicaOfPort, string? dataDir)
    {
        int port = FreePort();
        string dir = dataDir ?? Directory.CreateTempSubdirectory("replcache-bench-redis-").FullName;
        var arguments = new List<string>
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
            "--save", "", "--appendonly", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
            "--repl-diskless-load", "disabled", "--protected-mode", "no", "--daemonize", "no", "--logfile", Path.Combine(dir, "redis.log"),
            "--client-output-buffer-limit", "replica 0 0 0", "--repl-backlog-size", "16mb", "--enable-debug-command", "yes",
        };
        if (replicaOfPort is int primary)
        {
            arguments.AddRange(["--replicaof", "127.0.0.1", primary.ToString(CultureInfo.InvariantCulture)]);
        }

        var start = new ProcessStartInfo(FindOnPath("redis-server")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ForEach(start.ArgumentList.Add);
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        DrainOutput(process);
        var peer = new RedisPeer(process, port, dataDir is null ? dir : null);
        peer.WaitUntil(() => peer.TryPing(), "redis-server to answer PING");
        return peer;
    }

    public RespClient Connect() => new(Port);

    public string Info(string section)
    {
        using RespClient client = Connect();
        return client.Call("INFO", section) ?? "";
    }

    public static long Field(string info, string name)
    {
        foreach (string line in info.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(name.Length + 1), CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    public void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5) || _process.HasExited)
            {
                throw new TimeoutException($"Gave up waiting for {what} (redis log in {_dir ?? "the data directory"}).");
            }

            Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        if (_dir is null)
        {
            return; // the caller's directory
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private bool TryPing()
    {
        try
        {
            using RespClient client = Connect();
            return client.Call("PING") == "PONG";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("LOADING", StringComparison.Ordinal))
        {
            return true; // up, and loading its dataset: the caller waits for that separately
        }
    }
}
