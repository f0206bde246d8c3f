using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// One accepted connection of <see cref="OwnedThreadTransportFactory"/>: a receive thread and a send thread of its
/// own, each blocking in the socket, joined to Kestrel by pipes whose continuations run inline.
/// </summary>
/// <remarks>
/// Kestrel parses HTTP/1.1 and runs the gRPC handler on the receive thread as bytes arrive, and whatever a handler
/// writes is sent by the send thread, so neither direction ever waits for a thread-pool thread. Two threads, not
/// one: a connection that only sent on its receive thread could deadlock with a peer that writes a long pipeline
/// before reading any reply (both sides blocked in send).
/// </remarks>
internal sealed class OwnedThreadConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    /// <summary>What Kestrel may leave unread before the receive thread waits: Kestrel's own default for a socket.</summary>
    private const long InputPauseBytes = 1024 * 1024;

    /// <summary>What handlers may have queued for the send thread before their flush waits: a few log batches.</summary>
    /// <remarks>
    /// Small on purpose. A primary drops a stalled secondary at ReplicaOutputLimitBytes only once its sender's writes
    /// wait, and HTTP/1.1 has no flow control to make them wait sooner: whatever this pipe takes comes on top of the
    /// kernel's send buffer (autotuned up to <c>tcp_wmem</c>'s maximum, 4 MB by default on Linux) and is memory the
    /// limit does not see. At 4 MB, a sender to a stalled secondary put 8.4 MB into the connection before its writes
    /// waited (4.3 MB over HTTP/2), so a 4 MB limit was only reached after 12.4 MB of writes. The send buffer alone
    /// keeps the wire busy, so a few batches here are enough.
    /// </remarks>
    private const long OutputPauseBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _input = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: InputPauseBytes, resumeWriterThreshold: InputPauseBytes / 2, useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: OutputPauseBytes, resumeWriterThreshold: OutputPauseBytes / 2, useSynchronizationContext: false));
    private readonly CancellationTokenSource _closed = new();
    private readonly Thread _receiver;
    private readonly Thread _sender;
    private readonly ClosingAwareReader _reader;
    private int _aborted;

    public OwnedThreadConnection(Socket socket, string listenerName)
    {
        _socket = socket;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _reader = new ClosingAwareReader(_input.Reader, FireClosed);
        Transport = new DuplexPipe(_reader, _output.Writer);
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        _receiver = new Thread(Receive) { IsBackground = true, Name = $"{listenerName} receive {RemoteEndPoint}" };
        _sender = new Thread(Send) { IsBackground = true, Name = $"{listenerName} send {RemoteEndPoint}" };
    }

    public override string ConnectionId { get; set; } = CorrelationIds.Next();

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The transport owns the connection's closed token.");
    }

    public void Start()
    {
        _receiver.Start();
        _sender.Start();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        _output.Reader.CancelPendingRead();
    }

    /// <summary>
    /// Kestrel disposes a connection after completing its output: what the sender still holds (a QUIT's +OK, the end
    /// of a response) goes out before the socket is shut, as Kestrel's own transport lets its send loop finish.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        _output.Writer.Complete(); // no-op if Kestrel did: the sender sends what is left and ends
        if (!await Joined(_sender, DrainTimeout).ConfigureAwait(false))
        {
            Abort(new ConnectionAbortedException("The peer did not take the connection's last bytes."));
        }

        Abort(new ConnectionAbortedException("The connection was disposed."));
        // The receiver ends once the socket is shut: its Receive fails.
        await Joined(_receiver, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        _socket.Dispose();
        _closed.Dispose();
    }

    /// <summary>How long the last bytes may take to leave on dispose before the connection is cut.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private static Task<bool> Joined(Thread thread, TimeSpan timeout) =>
        thread.ThreadState.HasFlag(ThreadState.Unstarted) || !thread.IsAlive
            ? Task.FromResult(true)
            : Task.Factory.StartNew(() => thread.Join(timeout), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Receive()
    {
        PipeWriter writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(16 * 1024);
                int received = _socket.Receive(memory.Span);
                if (received == 0)
                {
                    break; // the peer closed its side
                }

                writer.Advance(received);
                _reader.Received(received);
                // Kestrel reads inline, on this thread; the flush waits only when it has fallen a megabyte behind.
                ValueTask<FlushResult> flush = writer.FlushAsync();
                FlushResult flushed = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = Volatile.Read(ref _aborted) == 1 ? null : new ConnectionResetException(ex.Message, ex);
        }

        writer.Complete(error);
        if (error is not null)
        {
            FireClosed(); // a reset: Kestrel aborts the requests of a connection whose peer is gone
        }
        else
        {
            _reader.FinReceived(); // closed once the reader has seen what the peer sent before its FIN
        }
    }

    /// <summary>Tells Kestrel (and a blocked WAIT) that the peer is gone.</summary>
    private void FireClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Send()
    {
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ValueTask<ReadResult> read = reader.ReadAsync();
                ReadResult result = read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
                if (result.IsCanceled)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    ReadOnlySpan<byte> span = segment.Span;
                    while (!span.IsEmpty)
                    {
                        span = span[_socket.Send(span)..];
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            _socket.Shutdown(SocketShutdown.Send); // Kestrel completed the output: a clean close
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went away or the connection was aborted; the receiver reports it.
        }

        reader.Complete();
    }

    EndPoint? IConnectionEndPointFeature.LocalEndPoint { get => LocalEndPoint; set => LocalEndPoint = value; }

    EndPoint? IConnectionEndPointFeature.RemoteEndPoint { get => RemoteEndPoint; set => RemoteEndPoint = value; }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>Connection ids unique within the process, as Kestrel's own transport makes them.</summary>
    private static class CorrelationIds
    {
        private static long _last;

        public static string Next() => "rc-" + Interlocked.Increment(ref _last).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }
}
