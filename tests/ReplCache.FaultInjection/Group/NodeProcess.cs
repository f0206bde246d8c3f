using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ReplCache.FaultInjection.Group;

/// <summary>
/// One server process of the group (replcache-server or redis-server) on its own port, in a directory of its own with
/// a config file (so CONFIG REWRITE and restarts behave as in production), started, killed, frozen and restarted by
/// the nemeses. An exit the runner did not cause is counted: no node may die on its own.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly ServerKind _kind;
    private readonly string _dir;
    private Process? _process;
    private bool _expectingExit;

    public NodeProcess(ServerKind kind, string dir, int index, int port, int announcedPort, int? primaryAnnouncedPort, long backlogBytes)
    {
        _kind = kind;
        _dir = Directory.CreateDirectory(dir).FullName;
        Index = index;
        Port = port;
        var lines = new List<string>
        {
            $"port {port}", "bind 127.0.0.1", $"dir {_dir}", "logfile node.log", "dbfilename dump.rdb", "save 1 1",
            // Sentinel and the other nodes reach this node through its proxy: the address it announces.
            "replica-announce-ip 127.0.0.1", $"replica-announce-port {announcedPort}",
            $"repl-backlog-size {backlogBytes.ToString(CultureInfo.InvariantCulture)}",
        };
        if (primaryAnnouncedPort is { } primary)
        {
            lines.Add($"replicaof 127.0.0.1 {primary}");
        }

        if (kind == ServerKind.Redis)
        {
            lines.AddRange(["appendonly no", "protected-mode no", "repl-diskless-sync yes", "repl-diskless-sync-delay 0", "enable-debug-command yes"]);
        }

        File.WriteAllLines(ConfigPath, lines);
    }

    public int Index { get; }

    /// <summary>The port the server itself listens on (the proxies forward to it).</summary>
    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Exits the runner did not cause (a crash, or a start that failed).</summary>
    public int UnexpectedExits { get; private set; }

    /// <summary>For each unexpected exit: when, the exit code and the last lines the process printed.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ExitReports { get; } = new();

    public string ConfigPath => Path.Combine(_dir, "node.conf");

    public string Log => File.Exists(Path.Combine(_dir, "node.log")) ? File.ReadAllText(Path.Combine(_dir, "node.log")) : "(no log)";

    public static string? ReplCacheServerDll { get; set; }

    public void Start()
    {
        ProcessStartInfo start = _kind == ServerKind.Redis
            ? new ProcessStartInfo(FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not installed"))
            : new ProcessStartInfo("dotnet") { ArgumentList = { ReplCacheServerDll ?? throw new InvalidOperationException("replcache-server is not built") } };
        start.ArgumentList.Add(ConfigPath);
        start.WorkingDirectory = _dir;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Process process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            if (!_expectingExit)
            {
                UnexpectedExits++;
                string log = Log;
                string tail = string.Join("\n", log.Split('\n').TakeLast(15));
                ExitReports.Enqueue($"node {Index} exited on its own with code {process.ExitCode} at {DateTime.Now:HH:mm:ss.fff}; its output:\n{string.Join("\n", output)}\nend of its log:\n{tail}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _expectingExit = false;
        _process = process;
    }

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 40 && output.TryDequeue(out _))
        {
        }
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        _expectingExit = true;
        Thaw();
        process.Kill();
        process.WaitForExit(10_000);
    }

    /// <summary>Removes the snapshot, so the next start is empty (a primary restarted without its data).</summary>
    public void DeleteSnapshot()
    {
        string dump = Path.Combine(_dir, "dump.rdb");
        if (File.Exists(dump))
        {
            File.Delete(dump);
        }
    }

    public void Freeze() => Signal(Sigstop);

    public void Thaw() => Signal(Sigcont);

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Signal(int signal)
    {
        if (_process is { HasExited: false } process)
        {
            _ = SendSignal(process.Id, signal);
        }
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private const int Sigstop = 19;
    private const int Sigcont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
