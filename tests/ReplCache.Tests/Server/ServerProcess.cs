using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Server;

/// <summary>
/// A real replcache-server process, started from the build next to the tests, its output collected. Disposing
/// kills it if it still runs, so a failed test never leaves a server behind.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task _readers;

    private ServerProcess(Process process)
    {
        _process = process;
        _readers = Task.WhenAll(Collect(process.StandardOutput, _stdout), Collect(process.StandardError, _stderr));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout => string.Join('\n', _stdout);

    public string Stderr => string.Join('\n', _stderr);

    public static ServerProcess Start(string workingDirectory, params string[] args)
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string server = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "ReplCache.Server", "bin",
            configuration, "net10.0", "ReplCache.Server.dll"));
        if (!File.Exists(server))
        {
            throw new FileNotFoundException("replcache-server was not built (src/ReplCache.Server).", server);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(server);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new ServerProcess(Process.Start(start) ?? throw new InvalidOperationException("replcache-server did not start"));
    }

    /// <summary>Waits for the "Ready to accept connections on host:port" line and returns the node's address.</summary>
    public async Task<Uri> WaitReadyAsync()
    {
        Match ready = Match.Empty;
        await Poll.UntilAsync(
            () => _stdout.Select(l => ReadyLine().Match(l)).FirstOrDefault(m => m.Success) is { } m ? (ready = m).Success : _process.HasExited,
            "replcache-server to be ready",
            TimeSpan.FromSeconds(60));
        if (!ready.Success)
        {
            await _readers.WaitAsync(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException($"replcache-server exited ({_process.ExitCode}) before it was ready:\n{Stdout}\n{Stderr}");
        }

        return new Uri($"http://{ready.Groups["host"].Value}:{ready.Groups["port"].Value}");
    }

    /// <summary>Sends SIGTERM, as a service manager stopping the server does.</summary>
    public void Terminate() => Signal(Sigterm);

    /// <summary>kill -9: the process dies at once, saving nothing, its sockets reset by the kernel.</summary>
    public void KillHard() => Signal(Sigkill);

    /// <summary>SIGSTOP: the process freezes, its sockets open and silent, as a node stuck in a long pause.</summary>
    public void Freeze() => Signal(Sigstop);

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal(Sigcont);

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The exit code, once the process has exited and its output has been read to the end.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        await _readers.WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, Sigcont); // a frozen process must run to die
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task Collect(StreamReader reader, ConcurrentQueue<string> lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Enqueue(line);
        }
    }

    private const int Sigterm = 15;
    private const int Sigkill = 9;
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"^Ready to accept connections on (?<host>\S+):(?<port>\d+)$")]
    private static partial Regex ReadyLine();
}
