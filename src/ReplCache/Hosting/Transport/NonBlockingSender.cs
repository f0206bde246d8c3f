using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// The send side both of the library's transports share (<see cref="OwnedThreadConnection"/>,
/// <see cref="EventLoop.EventLoopConnection"/>): a loop that hands what the output pipe holds to the kernel with
/// non-blocking sends, run by whichever thread flushes, deferred to the end of a batch of input being served, and
/// parked on a full send buffer until its connection sees room.
/// </summary>
/// <remarks>
/// <para>A handler's reply takes several flushes (an HTTP/1.1 response: its headers and body, then its trailers), and a
/// pipelined batch many replies; sent inline, each flush would be a segment of its own and a wake-up of the peer. So
/// while the connection's receiving thread serves a batch (<c>isServing</c>), the loop's continuation waits for the
/// end of the batch (<see cref="RunDeferred"/>), and all of it goes out in one send.</para>
/// <para>Parking: the awaiter is never complete when awaited, so the continuation is always stored before the
/// connection is told (<c>parked</c>, under <see cref="Gate"/>): it cannot find the socket writable before the loop
/// has parked, and no completion ever races a registration (the race that makes a completed
/// <see cref="System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore{TResult}"/> queue its continuation to
/// the thread pool). Only <see cref="RunAsync"/> awaits it, through the async builder, which flows the execution
/// context itself.</para>
/// </remarks>
internal sealed class NonBlockingSender
{
    private readonly SendSome _send;
    private readonly Func<bool> _parked;
    private readonly Func<bool> _isServing;
    private Action? _whenWritable;
    private (Action<object?> Action, object? State)? _deferred;

    /// <param name="send">Sends some of the bytes: how many the kernel took, or -1 when its buffer is full; throws when the peer is gone.</param>
    /// <param name="parked">Called under <see cref="Gate"/> once the loop has parked; false to refuse (the connection is closing), and the loop goes on at once.</param>
    /// <param name="isServing">True on the connection's receiving thread while it hands a batch of input to Kestrel.</param>
    public NonBlockingSender(SendSome send, Func<bool> parked, Func<bool> isServing)
    {
        _send = send;
        _parked = parked;
        _isServing = isServing;
        Scheduler = new DeferringScheduler(this);
    }

    /// <summary>Sends some of <paramref name="bytes"/>: how many the kernel took, or -1 when its send buffer is full.</summary>
    public delegate int SendSome(ReadOnlySpan<byte> bytes);

    /// <summary>Guards the parked continuation; the connection may hold it to hand over with it (Monitor, for Wait and Pulse).</summary>
    public object Gate { get; } = new();

    /// <summary>The output pipe's reader scheduler: inline, except while a batch is served (see the remarks).</summary>
    public PipeScheduler Scheduler { get; }

    /// <summary>True while the loop waits for room in the send buffer. Under <see cref="Gate"/>.</summary>
    public bool IsParked => _whenWritable is not null;

    /// <summary>Continues the parked loop, on this thread, if it is parked: the socket has room, or is gone.</summary>
    public void ContinueParked()
    {
        Action? continuation;
        lock (Gate)
        {
            continuation = _whenWritable;
            _whenWritable = null;
        }

        continuation?.Invoke();
    }

    /// <summary>Runs the loop if a flush of the batch just served scheduled it: all its replies go out in one send.</summary>
    public void RunDeferred()
    {
        if (_deferred is { } send)
        {
            _deferred = null;
            send.Action(send.State);
        }
    }

    /// <summary>
    /// Sends what Kestrel writes until it completes the output (then <paramref name="shutdownSend"/>: a clean close)
    /// or the connection is aborted. A peer gone or a connection closed ends it quietly: the receiving side reports it.
    /// </summary>
    public async Task RunAsync(PipeReader reader, Action shutdownSend)
    {
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    ReadOnlyMemory<byte> left = segment;
                    while (!left.IsEmpty)
                    {
                        int sent = _send(left.Span);
                        if (sent < 0)
                        {
                            await new WhenWritable(this);
                            continue;
                        }

                        left = left[sent..];
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            shutdownSend();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went away or the connection was aborted.
        }
        finally
        {
            reader.Complete();
        }
    }

    private sealed class DeferringScheduler(NonBlockingSender sender) : PipeScheduler
    {
        public override void Schedule(Action<object?> action, object? state)
        {
            if (sender._isServing())
            {
                sender._deferred = (action, state); // the pipe has one reader continuation: never two at once
                return;
            }

            action(state);
        }
    }

    private readonly struct WhenWritable(NonBlockingSender sender) : ICriticalNotifyCompletion
    {
        public bool IsCompleted => false;

        public WhenWritable GetAwaiter() => this;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation)
        {
            lock (sender.Gate)
            {
                sender._whenWritable = continuation;
                if (sender._parked())
                {
                    return;
                }

                sender._whenWritable = null;
            }

            continuation(); // refused: the next send finds the connection closed and ends the loop
        }
    }
}
