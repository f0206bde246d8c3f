using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace ReplCache.Hosting.Transport.EventLoop;

/// <summary>
/// One accepted connection of <see cref="EventLoopTransportFactory"/>: its socket watched by a
/// <see cref="SocketEventLoop"/>, joined to Kestrel by pipes whose continuations run inline, so that the loop
/// thread receives, serves and replies without handing anything to another thread.
/// </summary>
/// <remarks>
/// <para>Receiving: at each readiness the loop receives once into the input pipe and flushes it, which runs Kestrel's
/// reader (the RESP connection, or the HTTP/2 frame reader) inline. If Kestrel has fallen a megabyte behind, the
/// flush waits: the loop stops watching the socket for input until it completes, never blocking itself.</para>
/// <para>Sending, as <see cref="OwnedThreadConnection"/> does it: whoever flushes the output runs the send loop,
/// which hands the bytes to the kernel with a non-blocking send; replies written while the loop serves a batch of
/// input go out together at its end. On a full send buffer the loop parks and the event loop watches the socket for
/// room, continuing the send loop there.</para>
/// <para>The socket's descriptor is closed only on the loop thread, under the lock every send takes, so no send can
/// reach a descriptor number the system has since given to another connection.</para>
/// </remarks>
internal sealed class EventLoopConnection : OwnedSocketConnection, IConnectionSocketFeature
{
    /// <summary>The most one receive takes: a pipelined batch of small commands in one call.</summary>
    private const int ReceiveBytes = 16 * 1024;

    private static long _lastToken;

    private readonly Socket _socket;
    private readonly SocketEventLoop _loop;
    private readonly Action _ended;
    private readonly Pipe _input = NewInputPipe();
    private readonly Pipe _output;
    private readonly ClosingAwareReader _reader;

    /// <summary>The send loop; its gate also guards the descriptor against its close (every send holds it).</summary>
    private readonly NonBlockingSender _sends;
    private bool _descriptorClosed;
    private Task _sendLoop = Task.CompletedTask;
    private Task? _disposing;

    // Loop thread only.
    private bool _receiving = true;
    private bool _inputPaused;
    private bool _serving;

    private int _aborted;

    /// <param name="socket">The accepted socket; the connection owns and closes it.</param>
    /// <param name="loop">The loop that watches it.</param>
    /// <param name="ended">Called once the connection is closed, so that its listener knows when its loop is idle.</param>
    public EventLoopConnection(Socket socket, SocketEventLoop loop, Action ended)
        : base(socket)
    {
        _socket = socket;
        _loop = loop;
        _ended = ended;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
        Token = Interlocked.Increment(ref _lastToken);
        _sends = new NonBlockingSender(SendSome, Parked, () => _serving && _loop.IsLoopThread);
        _output = NewOutputPipe(_sends.Scheduler);
        _reader = new ClosingAwareReader(_input.Reader, FireClosed);
        Transport = new DuplexPipe(_reader, _output.Writer);
        Features.Set<IConnectionSocketFeature>(this); // as Kestrel's own transport: socket options stay settable
    }

    /// <summary>The socket's descriptor, for the loop's system calls.</summary>
    public int Fd { get; }

    /// <summary>The connection's name in the loop's epoll events; never reused.</summary>
    public long Token { get; }

    /// <summary>What the loop's epoll set watches the socket for; 0 while the set does not hold it. Loop thread only.</summary>
    public int WatchedEvents { get; set; }

    /// <summary>Starts watching the socket and the send loop.</summary>
    public void Start()
    {
        _loop.Post(UpdateInterest);
        _sendLoop = _sends.RunAsync(_output.Reader, ShutdownSend); // runs here until its first wait for output, then on whichever thread flushes
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both); // the loop then sees the end of input, and a parked send fails
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        _output.Reader.CancelPendingRead();
    }

    /// <summary>
    /// Kestrel disposes a connection after completing its output: what the send loop still holds goes out before the
    /// socket is shut, as Kestrel's own transport lets its send loop finish.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        lock (_sends.Gate)
        {
            _disposing ??= DisposeOnceAsync();
        }

        return new ValueTask(_disposing);
    }

    private async Task DisposeOnceAsync()
    {
        _output.Writer.Complete();
        if (!await Finished(_sendLoop, DrainTimeout).ConfigureAwait(false))
        {
            Abort(new ConnectionAbortedException("The peer did not take the connection's last bytes."));
        }

        Abort(new ConnectionAbortedException("The connection was disposed."));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Post(() =>
        {
            try
            {
                CloseOnLoop();
            }
            finally
            {
                closed.TrySetResult();
            }
        });
        await closed.Task.ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false); // ends at the latest once the descriptor is closed
        DisposeClosedToken();
        _ended();
    }

    /// <summary>What epoll reported for the socket. Loop thread only.</summary>
    public void OnReady(int events)
    {
        if ((events & (LinuxCalls.EpollOut | LinuxCalls.EpollErr | LinuxCalls.EpollHup)) != 0)
        {
            _sends.ContinueParked();
        }

        if (_receiving && !_inputPaused && (events & (LinuxCalls.EpollIn | LinuxCalls.EpollRdHup | LinuxCalls.EpollErr | LinuxCalls.EpollHup)) != 0)
        {
            Receive();
        }

        UpdateInterest();
    }

    /// <summary>A fault of the transport's own while serving the socket: the connection ends with it. Loop thread only.</summary>
    public void Fail(Exception error)
    {
        if (_receiving)
        {
            EndInput(new ConnectionAbortedException("The connection's event loop failed to serve it.", error));
        }

        Abort(new ConnectionAbortedException("The connection's event loop failed to serve it.", error));
        UpdateInterest();
    }

    private void Receive()
    {
        PipeWriter writer = _input.Writer;
        Memory<byte> memory = writer.GetMemory(ReceiveBytes);
        nint received = LinuxCalls.Receive(Fd, memory.Span);
        if (received < 0)
        {
            int errno = LinuxCalls.Errno;
            if (errno is not (LinuxCalls.ErrorWouldBlock or LinuxCalls.ErrorInterrupted))
            {
                EndInput(Volatile.Read(ref _aborted) == 1 ? null : new ConnectionResetException($"The connection was reset (errno {errno})."));
            }

            return;
        }

        if (received == 0)
        {
            EndInput(null); // the peer closed its side, or our own shutdown
            return;
        }

        writer.Advance((int)received);
        _reader.Received((int)received);
        ValueTask<FlushResult> flush;
        _serving = true;
        try
        {
            flush = writer.FlushAsync(); // Kestrel reads inline, on this thread
        }
        finally
        {
            _serving = false;
            _sends.RunDeferred();
        }

        if (!flush.IsCompleted)
        {
            _inputPaused = true; // Kestrel is a megabyte behind: no more input until it catches up
            _ = ResumeWhenFlushedAsync(flush);
            return;
        }

        FlushResult flushed = flush.Result;
        if (flushed.IsCompleted || flushed.IsCanceled)
        {
            EndInput(null); // Kestrel is done reading
        }
    }

    private async Task ResumeWhenFlushedAsync(ValueTask<FlushResult> flush)
    {
        bool done;
        try
        {
            FlushResult flushed = await flush.ConfigureAwait(false);
            done = flushed.IsCompleted || flushed.IsCanceled;
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            done = true;
        }

        _loop.Post(() =>
        {
            _inputPaused = false;
            if (done && _receiving)
            {
                EndInput(null);
            }

            UpdateInterest();
        });
    }

    /// <summary>No more input: the pipe is completed and the socket no longer watched for it. Loop thread only.</summary>
    private void EndInput(Exception? error)
    {
        _receiving = false;
        _input.Writer.Complete(error);
        if (error is not null)
        {
            FireClosed(); // a reset: Kestrel aborts the requests of a connection whose peer is gone
        }
        else
        {
            _reader.FinReceived(); // closed once the reader has seen what the peer sent before its end
        }
    }

    /// <summary>Watches the socket for what the connection waits for now: input, room to send, or nothing. Loop thread only.</summary>
    private void UpdateInterest()
    {
        if (_descriptorClosed)
        {
            return;
        }

        bool parked;
        lock (_sends.Gate)
        {
            parked = _sends.IsParked;
        }

        int events = (_receiving && !_inputPaused ? LinuxCalls.EpollIn | LinuxCalls.EpollRdHup : 0) | (parked ? LinuxCalls.EpollOut : 0);
        _loop.Watch(this, events);
    }

    private void CloseOnLoop()
    {
        _loop.Forget(this);
        if (_receiving)
        {
            EndInput(null);
        }

        lock (_sends.Gate)
        {
            _descriptorClosed = true;
            _socket.Dispose();
        }

        _sends.ContinueParked(); // it finds the descriptor closed and ends
    }

    /// <summary>Kestrel completed the output: a clean close, unless the descriptor is already closed.</summary>
    private void ShutdownSend()
    {
        lock (_sends.Gate)
        {
            if (!_descriptorClosed)
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
    }

    /// <summary>The send loop parked (under the sender's gate): the loop is asked to watch for room; refused once the descriptor is closed.</summary>
    private bool Parked()
    {
        if (_descriptorClosed)
        {
            return false;
        }

        _loop.Post(UpdateInterest);
        return true;
    }

    /// <summary>Bytes the kernel took, or -1 when its send buffer is full.</summary>
    /// <exception cref="SocketException">The send failed: the peer is gone.</exception>
    /// <exception cref="ObjectDisposedException">The connection was closed.</exception>
    private int SendSome(ReadOnlySpan<byte> bytes)
    {
        nint sent;
        int errno;
        lock (_sends.Gate)
        {
            ObjectDisposedException.ThrowIf(_descriptorClosed, this);
            sent = LinuxCalls.Send(Fd, bytes);
            errno = sent < 0 ? LinuxCalls.Errno : 0;
        }

        if (sent >= 0)
        {
            return (int)sent;
        }

        return errno is LinuxCalls.ErrorWouldBlock or LinuxCalls.ErrorInterrupted ? -1 : throw new SocketException(errno);
    }

    private static async Task<bool> Finished(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    Socket IConnectionSocketFeature.Socket => _socket;
}
