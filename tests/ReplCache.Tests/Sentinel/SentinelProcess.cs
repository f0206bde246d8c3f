using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReplCache.Tests.EndToEnd;
using ReplCache.Tests.Infrastructure;
using ReplCache.Tests.Resp;

namespace ReplCache.Tests.Sentinel;

/// <summary>
/// A real Redis Sentinel (<c>redis-server sentinel.conf --sentinel</c>, Debian's redis-server package) on 127.0.0.1,
/// monitoring one primary, in a temporary directory of its own; killed, with its whole process tree, on dispose.
/// </summary>
internal sealed class SentinelProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _dir;

    private SentinelProcess(Process process, string dir, int port, RespTestClient client)
    {
        _process = process;
        _dir = dir;
        Port = port;
        Client = client;
    }

    public int Port { get; }

    /// <summary>A connection to the Sentinel, for SENTINEL commands.</summary>
    public RespTestClient Client { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Its log so far, for the message of a failed assertion.</summary>
    public string Log => File.Exists(LogPath(_dir)) ? File.ReadAllText(LogPath(_dir)) : "(no log)";

    /// <summary>
    /// Starts a Sentinel monitoring <paramref name="masterName"/> at 127.0.0.1:<paramref name="masterPort"/>. The
    /// default failover timeout of ten minutes means no failover starts while a discovery test looks at the group.
    /// </summary>
    public static async Task<SentinelProcess> StartAsync(
        int masterPort, string masterName = "mymaster", int downAfterMilliseconds = 2000, int quorum = 1, int failoverTimeoutMilliseconds = 600_000)
    {
        string dir = Directory.CreateTempSubdirectory("replcache-sentinel-").FullName;
        int port = LocalPorts.Free();
        string config = Path.Combine(dir, "sentinel.conf");
        // Sentinel rewrites this file as it learns the group, so it lives where the process may write.
        await File.WriteAllLinesAsync(config,
        [
            $"port {port}",
            "bind 127.0.0.1",
            "daemonize no",
            $"dir {dir}",
            $"logfile {LogPath(dir)}",
            $"sentinel monitor {masterName} 127.0.0.1 {masterPort.ToString(CultureInfo.InvariantCulture)} {quorum.ToString(CultureInfo.InvariantCulture)}",
            $"sentinel down-after-milliseconds {masterName} {downAfterMilliseconds.ToString(CultureInfo.InvariantCulture)}",
            $"sentinel failover-timeout {masterName} {failoverTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)}",
        ]);

        var start = new ProcessStartInfo(RedisTools.Require("redis-server"), [config, "--sentinel"])
        {
            WorkingDirectory = dir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        // Drained so a chatty process can never block on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            RespTestClient client = await ConnectWhenReadyAsync(process, port, dir);
            return new SentinelProcess(process, dir, port, client);
        }
        catch
        {
            await StopAsync(process);
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the Sentinel's log past the deadline or if it died.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Sentinel exited ({_process.ExitCode}) while waiting for {what}. Its log:\n{Log}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what}. Sentinel's log:\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A RESP2 map (a flat array of name, value) as a dictionary.</summary>
    public static Dictionary<string, string> Fields(object? reply)
    {
        object?[] flat = Assert.IsType<object?[]>(reply);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < flat.Length; i += 2)
        {
            fields[Assert.IsType<string>(flat[i])] = flat[i + 1]?.ToString() ?? "";
        }

        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await StopAsync(_process);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Sentinel may still be rewriting its config as it dies; the temp directory is the OS's to clean then.
        }
    }

    private static async Task<RespTestClient> ConnectWhenReadyAsync(Process process, int port, string dir)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                string log = File.Exists(LogPath(dir)) ? await File.ReadAllTextAsync(LogPath(dir)) : "(no log)";
                throw new InvalidOperationException($"Sentinel exited at start ({process.ExitCode}). Its log:\n{log}");
            }

            try
            {
                RespTestClient client = await RespTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                if (await client.CallAsync("PING") is "PONG")
                {
                    return client;
                }

                await client.DisposeAsync();
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"Sentinel did not answer PING on port {port} within {StartTimeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(100);
        }
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Gone already, or not reaped in time: nothing more this test can do.
        }
        finally
        {
            process.Dispose();
        }
    }

    private static string LogPath(string dir) => Path.Combine(dir, "sentinel.log");
}
