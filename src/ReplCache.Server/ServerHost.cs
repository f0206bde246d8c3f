using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ReplCache.Resp;
using ReplCache.Resp.Directives;
using ReplCache.Server.Config;
using ReplCache.Server.Logging;

namespace ReplCache.Server;

/// <summary>
/// Runs one node for the life of the process, as redis-server does: log, pidfile, start, serve until SHUTDOWN or
/// SIGTERM/SIGINT, stop gracefully (drain secondaries, save when configured), remove the pidfile, exit.
/// </summary>
internal sealed partial class ServerHost
{
    private readonly ServerConfig _config;
    private readonly ReplicatedCacheOptions _options;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private volatile TaskCompletionSource<string> _signalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private PidFile? _pidFile;

    private ServerHost(ServerConfig config, ReplicatedCacheOptions options, TextWriter stdout, TextWriter stderr)
    {
        _config = config;
        _options = options;
        _stdout = stdout;
        _stderr = stderr;
    }

    /// <summary>The version shown by --version and in the log: the ReplCache library's.</summary>
    public static string Version =>
        typeof(ReplicatedCacheNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ReplicatedCacheNode).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <returns>The process exit code: 0 after a graceful stop, 1 when the node could not start or stop cleanly.</returns>
    public static Task<int> RunAsync(ServerConfig config, ReplicatedCacheOptions options, TextWriter stdout, TextWriter stderr) =>
        new ServerHost(config, options, stdout, stderr).RunAsync();

    private async Task<int> RunAsync()
    {
        char configuredRole = _options.PrimaryAddress is null ? 'M' : 'S';
        RedisStyleLoggerProvider provider;
        try
        {
            provider = _config.LogFile.Length == 0
                ? new RedisStyleLoggerProvider(_stdout, ownsWriter: false, () => configuredRole)
                : RedisStyleLoggerProvider.ForFile(_config.Resolve(_config.LogFile), () => configuredRole);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await _stderr.WriteLineAsync($"Can't open the log file: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        // Kestrel and gRPC log every request at Information; only their warnings belong in a Redis-style log.
        LogLevel frameworkLevel = _config.LogLevel > LogLevel.Warning ? _config.LogLevel : LogLevel.Warning;
        using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging
            .AddProvider(provider)
            .SetMinimumLevel(_config.LogLevel)
            .AddFilter("Microsoft", frameworkLevel)
            .AddFilter("Grpc", frameworkLevel));
        _logger = loggerFactory.CreateLogger("ReplCache.Server");

        Log.Starting(_logger);
        Log.JustStarted(_logger, Version, IntPtr.Size * 8, Environment.ProcessId);
        if (_config.File is { } file)
        {
            Log.ConfigurationLoaded(_logger, file);
        }
        else
        {
            Log.NoConfigFile(_logger);
        }

        if (_config.PidFile is { } pidPath)
        {
            _pidFile = PidFile.TryWrite(_config.Resolve(pidPath), out string? problem);
            if (problem is not null)
            {
                Log.PidFileFailed(_logger, _config.Resolve(pidPath), problem);
            }
        }

        // Registered before the node starts, so a SIGTERM during a long snapshot load still stops it gracefully.
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        ReplicatedCacheNode node;
        try
        {
            node = await ReplicatedCacheNode.StartAsync(_options, loggerFactory).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Port in use, a snapshot that does not load, an unreachable directory: nothing to serve, say why.
            Log.StartFailed(_logger, ex.Message);
            await _stderr.WriteLineAsync($"replcache-server: failed to start: {ex.Message}").ConfigureAwait(false);
            _pidFile?.Delete();
            return 1;
        }

        provider.Role = () => node.Core.State.Role == ReplicationRole.Primary ? 'M' : 'S';
        RecordHostSettings(_config, node.Address.Port, node.Core.HostSettings);
        if (_config.File is { } configFile && node.Core.Resp is { } resp)
        {
            // What the node runs with now, written back so a restart resumes it: a server Sentinel promoted restarts
            // as a primary, one it converted restarts as a secondary.
            IReadOnlyDictionary<string, string?> atStart = ConfigRewriter.CurrentValues(ConfigParameters.SourceOf(resp));
            resp.RewriteConfig = cancellationToken =>
                ConfigRewriter.RewriteFileAsync(configFile, ConfigRewriter.CurrentValues(ConfigParameters.SourceOf(resp)), atStart, cancellationToken);
        }

        Log.Persistence(_logger, _options.SnapshotPath!, _config.SaveText.Length == 0 ? "none" : _config.SaveText, _options.PrimaryAddress?.ToString() ?? "none (primary)");
        Log.Running(_logger, node.Address.Port);
        Log.Ready(_logger, _config.Tls ? "tls" : "tcp"); // as Redis words it for a TLS-only server
        await _stdout.WriteLineAsync($"Ready to accept connections on {_config.BindAddress}:{node.Address.Port}").ConfigureAwait(false);
        await _stdout.FlushAsync().ConfigureAwait(false);

        int exitCode = 0;
        while (true)
        {
            Task first = await Task.WhenAny(node.Stopped, _signalled.Task).ConfigureAwait(false);
            if (first == node.Stopped)
            {
                Log.StoppedByShutdown(_logger);
                break;
            }

            Log.SignalReceived(_logger, await _signalled.Task.ConfigureAwait(false));
            Log.UserRequestedShutdown(_logger);

            // As Redis: a signal's shutdown waits for lagging replicas like SHUTDOWN's, and SHUTDOWN ABORT cancels it
            // too; the server then serves on, and the next signal starts a new shutdown.
            if (await node.Core.Shutdown.RequestAsync(save: null, now: false).ConfigureAwait(false) is not { } stopping)
            {
                _signalled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                continue;
            }

            bool saves = _options.SaveOnStop;
            if (saves)
            {
                Log.SavingFinal(_logger);
            }

            try
            {
                await stopping.ConfigureAwait(false);
                if (saves)
                {
                    Log.Saved(_logger);
                }
            }
            catch (Exception ex)
            {
                // The process boundary: whatever failed (most likely the final save), the node is stopped anyway
                // (StopAsync disposes in a finally), the pidfile must still go, and the exit code says it went wrong.
                Log.StopFailed(_logger, ex.Message);
                exitCode = 1;
            }

            break;
        }

        if (_pidFile is not null)
        {
            Log.RemovingPidFile(_logger);
            _pidFile.Delete();
        }

        Log.Bye(_logger);
        return exitCode;
    }

    /// <summary>
    /// The first SIGTERM/SIGINT asks for a graceful stop (the process must not die at once: Cancel); a second one
    /// while stopping exits at once, as Redis's "You insist..." on a repeated SIGINT.
    /// </summary>
    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_signalled.TrySetResult(context.Signal.ToString()))
        {
            Log.Insist(_logger);
            _pidFile?.Delete();
            Environment.Exit(1);
        }
    }

    /// <summary>
    /// The server-level settings, by Redis directive name, for CONFIG GET: each entry's own value where it has one
    /// (<see cref="Directive{T}.HostShows"/>: pidfile, dir as an absolute path, ...), and the bound port (port 0
    /// resolved), which only the running listener knows.
    /// </summary>
    internal static void RecordHostSettings(ServerConfig config, int boundPort, IDictionary<string, string> settings)
    {
        foreach (Directive directive in DirectiveTable.All)
        {
            if (directive.HostSetting(config.Values) is { } value)
            {
                settings[directive.Name] = value;
            }
        }

        // With TLS the bound port is the tls-port and no plain port is served: port 0, as Redis's TLS-only setup shows.
        string bound = boundPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[ListenerDirectives.Port.Name] = config.Tls ? "0" : bound;
        settings[TlsDirectives.TlsPort.Name] = config.Tls ? bound : "0";
    }
}
