namespace ReplCache.Backlog;

/// <summary>
/// A reader's position in the <see cref="ReplicationLog"/>: one per connected secondary. While open it pins
/// the log from its position, so the bytes it has yet to send stay in memory — until it falls more than the
/// output limit behind, when the log detaches it and cancels <see cref="Detached"/>.
/// </summary>
internal sealed class LogCursor : IDisposable
{
    private readonly ReplicationLog _log;
    private readonly CancellationTokenSource _detached = new();
    private long _position;

    internal LogCursor(ReplicationLog log, long position)
    {
        _log = log;
        _position = position;
    }

    /// <summary>The next offset this reader will read.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Cancelled when the log let go of this cursor: it fell too far behind, or the log was reset.</summary>
    public CancellationToken Detached => _detached.Token;

    /// <summary>Why the log let go of it, once it has.</summary>
    public string? DetachReason { get; private set; }

    /// <summary>Reads the next bytes into <paramref name="destination"/> and moves past them.</summary>
    /// <returns>Bytes read; 0 when the cursor is at the end of the log.</returns>
    public int Read(Span<byte> destination)
    {
        int read = _log.Read(this, Position, destination);
        Volatile.Write(ref _position, _position + read);
        return read;
    }

    public void Dispose()
    {
        _log.Close(this);
        _detached.Dispose();
    }

    internal void Detach(string reason)
    {
        DetachReason = reason;
        try
        {
            // Asynchronously: Detach runs under the log's lock, where no cancellation callback may run.
            _ = _detached.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Closed concurrently by its owner: nobody is left to tell.
        }
    }
}
