using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Connections;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// One accepted connection of <see cref="OwnedThreadTransportFactory"/>: a receive thread and a send thread of its
/// own on a non-blocking socket, joined to Kestrel by pipes whose continuations run inline.
/// </summary>
/// <remarks>
/// <para>
/// Kestrel parses HTTP/1.1 and runs the gRPC handler on the receive thread as bytes arrive (it waits for them in
/// <see cref="Socket.Poll(int, SelectMode)"/>), so no request waits for a thread-pool thread.
/// </para>
/// <para>
/// Sends are made by whoever flushes. The send loop awaits the output pipe, whose reader continues on the flushing
/// thread (a replication sender's loop thread; the receive thread for a reply, at the end of the batch of input it
/// serves, see <see cref="NonBlockingSender"/>), which hands the bytes to the kernel with a non-blocking send and
/// returns. That costs a system call and no thread hop; a blocking wait for the output on a thread of its own cost a
/// wake-up per flush and the spinning of a blocked task wait (Task.SpinWait, sched_yield). Only when the kernel's
/// send buffer is full does the loop park, and the send thread blocks in <see cref="Socket.Poll(int, SelectMode)"/>
/// until the peer takes bytes, then continues the loop, which sends until the pipe is drained (or the buffer is full
/// again) and returns the thread to its wait.
/// </para>
/// <para>
/// So no thread that must not block ever blocks in a send. Not the receive thread: blocked there while a peer
/// wrote a long pipeline before reading any reply, both sides would wait in send for ever. Not a replication
/// sender's loop thread, whose watchdog must keep running when a secondary stops reading. A peer that stops reading
/// still makes its writers wait: the parked loop consumes nothing, and the pipe fills to
/// <see cref="OwnedSocketConnection.OutputPauseBytes"/>.
/// </para>
/// <para>
/// No asynchronous socket call is made on this socket, on purpose: on Linux the first one registers it with .NET's
/// epoll engine, whose completions (even of a later synchronous call that would block) are dispatched through the
/// thread pool. A non-blocking socket's Send, Receive and Poll are plain system calls (SocketPal.Unix).
/// </para>
/// </remarks>
internal sealed class OwnedThreadConnection : OwnedSocketConnection
{
    private readonly Socket _socket;
    private readonly Pipe _input = NewInputPipe();
    private readonly Pipe _output;
    private readonly Thread _receiver;
    private readonly Thread _sender;
    private readonly ClosingAwareReader _reader;

    /// <summary>The send loop; parked on a full send buffer, the send thread continues it once it drains (hand-over under its Gate).</summary>
    private readonly NonBlockingSender _sends;
    private bool _sendEnded;
    private ExceptionDispatchInfo? _sendFault;

    /// <summary>True while the receive thread hands a batch of input to Kestrel; only that thread reads or writes it.</summary>
    private bool _serving;

    private int _aborted;

    public OwnedThreadConnection(Socket socket, string listenerName)
        : base(socket)
    {
        _socket = socket;
        _socket.Blocking = false; // see the remarks: sends never block their caller, and no call needs the epoll engine
        _sends = new NonBlockingSender(SendSome, Parked, () => Thread.CurrentThread == _receiver && _serving);
        _output = NewOutputPipe(_sends.Scheduler);
        _reader = new ClosingAwareReader(_input.Reader, FireClosed);
        Transport = new DuplexPipe(_reader, _output.Writer);
        _receiver = new Thread(Receive) { IsBackground = true, Name = $"{listenerName} receive {RemoteEndPoint}" };
        _sender = new Thread(Send) { IsBackground = true, Name = $"{listenerName} send {RemoteEndPoint}" };
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
        _output.Writer.Complete(); // no-op if Kestrel did: the send loop sends what is left and ends, here or on the send thread
        if (!await Joined(_sender, DrainTimeout).ConfigureAwait(false))
        {
            Abort(new ConnectionAbortedException("The peer did not take the connection's last bytes."));
        }

        Abort(new ConnectionAbortedException("The connection was disposed."));
        // The receiver ends once the socket is shut: its Poll returns and its Receive finds the end.
        await Joined(_receiver, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        _socket.Dispose();
        DisposeClosedToken();
    }

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
            bool filled = false;
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(16 * 1024);
                int received = ReceiveWhenReadable(memory.Span, filled);
                if (received == 0)
                {
                    break; // the peer closed its side
                }

                filled = received == memory.Length;

                writer.Advance(received);
                _reader.Received(received);
                // Kestrel reads inline, on this thread; the flush waits only when it has fallen a megabyte behind.
                ValueTask<FlushResult> flush;
                _serving = true;
                try
                {
                    flush = writer.FlushAsync();
                }
                finally
                {
                    _serving = false;
                    _sends.RunDeferred(); // before any wait for Kestrel, which may itself wait for these bytes to leave
                }

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

    /// <summary>
    /// Waits for data and receives it. Polls first, unless the last receive filled its buffer and more is likely
    /// waiting: two system calls when data comes as it is used, one when it comes faster.
    /// </summary>
    private int ReceiveWhenReadable(Span<byte> into, bool dataLikely)
    {
        while (true)
        {
            if (!dataLikely)
            {
                _socket.Poll(-1, SelectMode.SelectRead); // returns at data, the peer's FIN or reset, or our own shutdown
            }

            int received = _socket.Receive(into, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                return received;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            dataLikely = false;
        }
    }

    /// <summary>
    /// The send thread: starts the send loop, then continues it each time it parks on a full send buffer, once
    /// <see cref="Socket.Poll(int, SelectMode)"/> says the socket takes bytes again; ends with the loop.
    /// </summary>
    private void Send()
    {
        _ = SendLoopAsync(); // runs here until its first wait, then on whichever thread flushes
        while (true)
        {
            lock (_sends.Gate)
            {
                while (!_sends.IsParked && !_sendEnded)
                {
                    Monitor.Wait(_sends.Gate);
                }

                if (!_sends.IsParked)
                {
                    break;
                }
            }

            try
            {
                _socket.Poll(-1, SelectMode.SelectWrite); // returns once writable, or at a reset or a shutdown
            }
            catch (SocketException)
            {
                // The loop's next send fails and reports it.
            }

            _sends.ContinueParked();
        }

        _sendFault?.Throw(); // a bug fails as loudly as when this thread ran the loop itself
    }

    /// <summary>Sends what Kestrel writes, without ever blocking: on a full send buffer it parks for the send thread.</summary>
    private async Task SendLoopAsync()
    {
        try
        {
            await _sends.RunAsync(_output.Reader, () => _socket.Shutdown(SocketShutdown.Send)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _sendFault = ExceptionDispatchInfo.Capture(ex);
        }

        lock (_sends.Gate)
        {
            _sendEnded = true;
            Monitor.Pulse(_sends.Gate);
        }
    }

    private int SendSome(ReadOnlySpan<byte> bytes)
    {
        int sent = _socket.Send(bytes, SocketFlags.None, out SocketError error);
        return error switch
        {
            SocketError.Success => sent,
            SocketError.WouldBlock => -1,
            _ => throw new SocketException((int)error),
        };
    }

    /// <summary>The send loop parked (under the sender's gate): the send thread waits for room.</summary>
    private bool Parked()
    {
        Monitor.Pulse(_sends.Gate);
        return true;
    }
}
