using System.Buffers;
using System.IO.Pipelines;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// The input of an <see cref="OwnedThreadConnection"/> as Kestrel reads it, keeping track of how much of it the
/// reader has seen, so that a peer's FIN closes the connection only once the reader has seen everything sent before it.
/// </summary>
/// <remarks>
/// Firing the connection's ConnectionClosed at the FIN itself would
/// race the reader: a peer that sends a pipeline of commands and closes could find its connection closed before its
/// commands were read (Redis serves what it read before the end of the stream). Waiting until the reader has
/// consumed everything would miss a peer that closes while its command waits (a blocked WAIT has read, not yet
/// consumed, its command). So: once the reader has seen the last bytes.
/// </remarks>
internal sealed class ClosingAwareReader(PipeReader inner, Action allSeenAfterFin) : PipeReader
{
    private long _received;
    private long _consumed;
    private long _seen;
    private int _finSeen;
    private int _fired;
    private ReadOnlySequence<byte> _lastBuffer;

    /// <summary>The receive thread added <paramref name="bytes"/> to the pipe.</summary>
    public void Received(int bytes) => Interlocked.Add(ref _received, bytes);

    /// <summary>The receive thread saw the peer's FIN (after its last <see cref="Received"/>).</summary>
    public void FinReceived()
    {
        Volatile.Write(ref _finSeen, 1);
        FireIfAllSeen();
    }

    public override bool TryRead(out ReadResult result)
    {
        bool read = inner.TryRead(out result);
        if (read)
        {
            Saw(result);
        }

        return read;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReadResult result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        Saw(result);
        return result;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        Fire(); // the reader is done with the connection: nothing left to serve either way
    }

    private void Saw(ReadResult result)
    {
        _lastBuffer = result.Buffer;
        Volatile.Write(ref _seen, _consumed + result.Buffer.Length);
        FireIfAllSeen();
    }

    private void FireIfAllSeen()
    {
        if (Volatile.Read(ref _finSeen) == 1 && Volatile.Read(ref _seen) >= Interlocked.Read(ref _received))
        {
            Fire();
        }
    }

    private void Fire()
    {
        if (Interlocked.Exchange(ref _fired, 1) == 0)
        {
            allSeenAfterFin();
        }
    }
}
