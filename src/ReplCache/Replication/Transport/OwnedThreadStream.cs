using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace ReplCache.Replication.Transport;

/// <summary>
/// A TCP connection to a primary whose reads are served by a thread of its own, for <see cref="SocketsHttpHandler.ConnectCallback"/>.
/// </summary>
/// <remarks>
/// On Linux every asynchronous socket completion is handed to the thread pool, so a link built on
/// <see cref="NetworkStream"/> stops when the host blocks its pool. Here a read that finds no data waiting hands its
/// buffer to this stream's reader thread, which blocks in <see cref="Socket.Receive(Span{byte})"/> and completes the
/// read inline: the HTTP/1.1 response parser and gRPC's reader above it continue on that thread, up to the
/// replication loop that applies what arrived. Writes are blocking sends on the caller's thread (a loop thread of the
/// link's own), which the kernel's socket buffer makes brief. Cost: one parked thread per connection.
/// <para>With <c>readsInline</c>, a read that the reader thread itself asks for — the replication loop, continuing
/// on it, wanting the next message — blocks right there instead of being handed to the same thread's loop. Every
/// <c>await</c> above it (SocketsHttpHandler's response stream, gRPC-Web's and gRPC's readers, the loop) then
/// completes synchronously, so none of their async state machines is boxed per message: measured at 10,000
/// replicated writes/s that was about 730 of the secondary's 1,090 bytes allocated per write, and the garbage
/// collections they cause are what the lag's tail is made of. Only a connection that carries one call and nothing
/// else may do it: SocketsHttpHandler reads ahead on a pooled HTTP/1.1 connection before it sends the next request
/// on it, and that read, asked for by a reader thread continuing a finished call, would block that thread before the
/// request it waits for is sent.</para>
/// </remarks>
internal sealed class OwnedThreadStream : Stream, IValueTaskSource<int>
{
    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly SemaphoreSlim _readRequested = new(0);
    private readonly bool _readsInline;

    /// <summary>Continuations run synchronously: on the reader thread, which is the point.</summary>
    private ManualResetValueTaskSourceCore<int> _read;
    private Memory<byte> _readBuffer;
    private bool _readPending;
    private CancellationTokenRegistration _readCancellation;
    private volatile bool _disposed;

    /// <summary>Completed by the reader thread once its blocking connect is done; its continuation runs on the pool.</summary>
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OwnedThreadStream(Socket socket, DnsEndPoint endpoint, bool readsInline)
    {
        _socket = socket;
        _readsInline = readsInline;
        _reader = new Thread(() => ConnectThenRead(endpoint)) { IsBackground = true, Name = $"ReplCache link reader {endpoint.Host}:{endpoint.Port}" };
        _reader.Start();
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (the handshake may use the pool: only an established link is independent
    /// of it); with <paramref name="readsInline"/>, the reader thread's own reads block inline (see the remarks on the class).
    /// </summary>
    /// <remarks>
    /// The connect is a blocking one, on the reader thread, not <see cref="Socket.ConnectAsync(EndPoint, CancellationToken)"/>:
    /// one asynchronous operation registers a socket with .NET's epoll engine for good, and from then on every
    /// blocking receive that finds no data waits for the engine to report it readable, an event the engine hands to
    /// the thread pool. Measured at 10,000 replicated writes/s, that kept pool threads awake at about 50 µs of CPU
    /// per write and put two more thread hops on every batch's way to the secondary; it also made the link's reads
    /// wait for the pool after all.
    /// </remarks>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool readsInline, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var stream = new OwnedThreadStream(socket, endpoint, readsInline);
        try
        {
            // A blocking connect cannot be cancelled, only ended: closing the socket makes it fail.
            using (cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket))
            {
                await stream._connected.Task.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested(); // cancelled just as the connect succeeded
            return stream;
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException("The connect was cancelled.", ex, cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (_socket.Available > 0)
        {
            return ValueTask.FromResult(buffer.IsEmpty ? 0 : Receive(buffer.Span)); // data waiting: no hand-over, no wait
        }

        // Not a zero-byte read: it waits for data on an idle connection, which may be idle because nothing was sent.
        if (_readsInline && !buffer.IsEmpty && Thread.CurrentThread == _reader)
        {
            return ReceiveInline(buffer, cancellationToken);
        }

        // A zero-byte read waits for data without taking any (SocketsHttpHandler's check on an idle pooled
        // connection): answering it at once would read as the end of the stream, and the connection be dropped.

        _read.Reset();
        _readBuffer = buffer;
        Volatile.Write(ref _readPending, true);
        if (cancellationToken.CanBeCanceled)
        {
            // A blocking receive cannot be cancelled, only ended: the caller abandons the connection on cancellation.
            _readCancellation = cancellationToken.UnsafeRegister(static s => ((OwnedThreadStream)s!).Abort(), this);
        }

        _readRequested.Release();
        return new ValueTask<int>(this, _read.Version);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Receive(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Receive(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Write(buffer.Span);
        return default;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            while (!buffer.IsEmpty)
            {
                buffer = buffer[_socket.Send(buffer)..];
            }
        }
        catch (SocketException ex)
        {
            throw new IOException($"Sending to the primary failed: {ex.Message}", ex);
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Abort();
            _readRequested.Release(); // a parked reader wakes, sees the flag and leaves
        }

        base.Dispose(disposing);
    }

    private void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        _socket.Dispose();
    }

    /// <summary>Blocks until data (or the end of the stream) can be read; a zero-byte read's answer.</summary>
    private int WaitReadable()
    {
        try
        {
            _socket.Poll(-1, SelectMode.SelectRead);
            return 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw ReceiveFailed(ex);
        }
    }

    /// <summary>A read asked for by the reader thread itself (a continuation of its last read): blocks right here.</summary>
    private ValueTask<int> ReceiveInline(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration cancellation = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((OwnedThreadStream)s!).Abort(), this)
            : default;
        try
        {
            return ValueTask.FromResult(Receive(buffer.Span));
        }
        catch (IOException ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    private int Receive(Span<byte> buffer)
    {
        try
        {
            return _socket.Receive(buffer);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw ReceiveFailed(ex);
        }
    }

    /// <summary>How a failed receive (or wait for data) is reported: as <see cref="NetworkStream"/> reports it, an IOException.</summary>
    private static IOException ReceiveFailed(Exception ex) => ex is ObjectDisposedException
        ? new IOException("The connection to the primary was closed.", ex)
        : new IOException($"Receiving from the primary failed: {ex.Message}", ex);

    private void ConnectThenRead(DnsEndPoint endpoint)
    {
        try
        {
            _socket.Connect(endpoint);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _connected.TrySetException(ex);
            return;
        }

        _connected.TrySetResult();
        ReadLoop();
    }

    private void ReadLoop()
    {
        while (true)
        {
            _readRequested.Wait();
            if (!Volatile.Read(ref _readPending))
            {
                return; // disposed with no read waiting
            }

            Volatile.Write(ref _readPending, false);
            Memory<byte> buffer = _readBuffer;
            _readBuffer = default;
            CancellationTokenRegistration cancellation = _readCancellation;
            _readCancellation = default;
            int received;
            try
            {
                received = buffer.IsEmpty ? WaitReadable() : Receive(buffer.Span);
            }
            catch (IOException ex)
            {
                cancellation.Dispose();
                _read.SetException(ex);
                if (_disposed)
                {
                    return;
                }

                continue;
            }

            cancellation.Dispose();
            _read.SetResult(received);
        }
    }
}
