using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

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
    private PendingRead? _pending;

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

    /// <remarks>
    /// A read that has to wait completes through this reader's own reusable source instead of an async method, whose
    /// state machine was boxed anew at every wait: a request-reply client waits at every request.
    /// </remarks>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read = inner.ReadAsync(cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            ReadResult result = read.Result;
            Saw(result);
            return new ValueTask<ReadResult>(result);
        }

        return (_pending ??= new PendingRead(this)).Wait(read);
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

    /// <summary>The one read of this reader that waits at a time (a pipe has one reader): its completion, reused.</summary>
    private sealed class PendingRead(ClosingAwareReader reader) : IValueTaskSource<ReadResult>
    {
        private ManualResetValueTaskSourceCore<ReadResult> _core; // continuations inline, as the pipe's own
        private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _inner;
        private Action? _onInnerCompleted;

        public ValueTask<ReadResult> Wait(ValueTask<ReadResult> read)
        {
            _core.Reset();
            _inner = read.ConfigureAwait(false).GetAwaiter();
            _inner.UnsafeOnCompleted(_onInnerCompleted ??= Completed);
            return new ValueTask<ReadResult>(this, _core.Version);
        }

        public ReadResult GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Completed()
        {
            ReadResult result;
            try
            {
                result = _inner.GetResult();
            }
            catch (Exception ex)
            {
                _inner = default;
                _core.SetException(ex);
                return;
            }

            _inner = default;
            reader.Saw(result);
            _core.SetResult(result);
        }
    }
}
