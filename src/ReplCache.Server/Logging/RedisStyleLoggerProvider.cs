using Microsoft.Extensions.Logging;

namespace ReplCache.Server.Logging;

/// <summary>
/// Writes every log entry as one line shaped like redis-server's log, so operators' habits and greps carry over:
/// <c>&lt;pid&gt;:&lt;role&gt; 25 Nov 2026 15:00:00.123 &lt;level&gt; message</c>, where role is M (primary) or S (replica)
/// and level is Redis's mark: '.' debug, '-' verbose, '*' notice, '#' warning.
/// </summary>
internal sealed class RedisStyleLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly Lock _gate = new();
    private readonly int _pid = Environment.ProcessId;

    /// <param name="writer">Where lines go; the provider serialises writes to it.</param>
    /// <param name="ownsWriter">Whether disposing the provider disposes the writer (a log file, not stdout).</param>
    /// <param name="role">The role character now: 'M' or 'S'; read for every line, as the role changes with REPLICAOF.</param>
    public RedisStyleLoggerProvider(TextWriter writer, bool ownsWriter, Func<char> role)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        Role = role;
    }

    public Func<char> Role { get; set; }

    /// <summary>Opens <paramref name="path"/> for appending, as Redis opens its logfile.</summary>
    public static RedisStyleLoggerProvider ForFile(string path, Func<char> role)
    {
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new RedisStyleLoggerProvider(new StreamWriter(stream) { AutoFlush = true }, ownsWriter: true, role);
    }

    public ILogger CreateLogger(string categoryName) => new RedisStyleLogger(this);

    public void Dispose()
    {
        if (_ownsWriter)
        {
            lock (_gate)
            {
                _writer.Dispose();
            }
        }
    }

    internal void Write(LogLevel level, string message, Exception? exception)
    {
        char mark = level switch
        {
            LogLevel.Trace => '.',
            LogLevel.Debug => '-',
            LogLevel.Information => '*',
            _ => '#',
        };
        string time = DateTime.Now.ToString("dd MMM yyyy HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        string line = $"{_pid}:{Role()} {time} {mark} {message}";
        if (exception is not null)
        {
            line += Environment.NewLine + exception;
        }

        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private sealed class RedisStyleLogger(RedisStyleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
