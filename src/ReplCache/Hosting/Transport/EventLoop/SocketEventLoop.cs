using System.Collections.Concurrent;

namespace ReplCache.Hosting.Transport.EventLoop;

/// <summary>
/// One thread of the library's own that waits in epoll for every connection of a listener and serves each one's
/// readiness inline, as Redis's event loop does: a readable socket is received from and its bytes handed to Kestrel
/// on this thread, which parses and runs the commands and sends their replies before it returns to the wait.
/// </summary>
/// <remarks>
/// <para>Why: without pipelining, every request is a round trip. Through .NET's socket engine a round trip costs a
/// hand-off from its epoll thread to a pool thread, a zero-byte receive to wait for data, the receive, the send, and
/// a receive that finds nothing more; here it costs the receive and the send, and the wait is shared by every
/// connection that became ready at once. The epoll interest is level-triggered, so one receive per readiness is
/// enough: bytes left in the kernel make the next wait return at once.</para>
/// <para>Every epoll_ctl is made on this thread (<see cref="Post"/> brings work here), and events name connections by
/// a token that is never reused, so an event for a connection already removed finds nothing and is dropped.</para>
/// </remarks>
internal sealed class SocketEventLoop : IDisposable
{
    private const int EventsPerWait = 256;

    /// <summary>The token of the loop's own eventfd; connections' tokens start at 1.</summary>
    private const long WakeToken = 0;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<long, EventLoopConnection> _connections = [];
    private int _wakePending;
    private volatile bool _stopping;

    public SocketEventLoop(string name)
    {
        _epoll = LinuxCalls.CreateEpoll();
        _wake = LinuxCalls.CreateEventFd();
        int failed = LinuxCalls.Control(_epoll, LinuxCalls.EpollCtlAdd, _wake, LinuxCalls.EpollIn, WakeToken);
        if (failed != 0)
        {
            LinuxCalls.CloseFd(_wake);
            LinuxCalls.CloseFd(_epoll);
            throw new InvalidOperationException($"epoll_ctl could not watch the loop's eventfd: errno {failed}.");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public bool IsLoopThread => Thread.CurrentThread == _thread;

    /// <summary>Runs <paramref name="work"/> on the loop thread, after the events it is serving now.</summary>
    public void Post(Action work)
    {
        _posted.Enqueue(work);
        if (!IsLoopThread && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            LinuxCalls.Signal(_wake);
        }
    }

    /// <summary>Sets what the loop waits for on a connection's socket. Loop thread only.</summary>
    public void Watch(EventLoopConnection connection, int events)
    {
        int watched = connection.WatchedEvents;
        if (events == watched)
        {
            return; // unchanged: most readiness leaves the interest as it was, and a system call for it is waste
        }

        int operation = events == 0 ? LinuxCalls.EpollCtlDel : watched == 0 ? LinuxCalls.EpollCtlAdd : LinuxCalls.EpollCtlMod;
        int failed = LinuxCalls.Control(_epoll, operation, connection.Fd, events, connection.Token);
        if (failed != 0)
        {
            throw new InvalidOperationException($"epoll_ctl({operation}) failed for a connection: errno {failed}.");
        }

        connection.WatchedEvents = events;
        if (operation == LinuxCalls.EpollCtlAdd)
        {
            _connections[connection.Token] = connection;
        }
    }

    /// <summary>Forgets a connection: no event reaches it after this. Loop thread only.</summary>
    public void Forget(EventLoopConnection connection)
    {
        Watch(connection, 0);
        _connections.Remove(connection.Token);
    }

    /// <summary>Stops the thread once it has run what was posted; every connection must have been closed first.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        LinuxCalls.Signal(_wake);
        if (!IsLoopThread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        Span<byte> events = new byte[EventsPerWait * LinuxCalls.EventBytes];
        try
        {
            while (!_stopping)
            {
                int count = LinuxCalls.Wait(_epoll, events, -1);
                for (int i = 0; i < count; i++)
                {
                    long token = LinuxCalls.EventToken(events, i);
                    if (token == WakeToken)
                    {
                        // The counter first, then the flag: a Post after the flag is cleared signals again, and one
                        // before it is run below. (Clearing first let a signal be drained while the flag stayed set.)
                        LinuxCalls.Drain(_wake);
                        Interlocked.Exchange(ref _wakePending, 0);
                    }
                    else if (_connections.TryGetValue(token, out EventLoopConnection? connection))
                    {
                        try
                        {
                            connection.OnReady(LinuxCalls.EventMask(events, i));
                        }
                        catch (Exception ex)
                        {
                            connection.Fail(ex); // one connection's fault must not stop the loop every other one waits on
                        }
                    }
                }

                RunPosted();
            }

            RunPosted();
        }
        finally
        {
            LinuxCalls.CloseFd(_wake);
            LinuxCalls.CloseFd(_epoll);
        }
    }

    private void RunPosted()
    {
        while (_posted.TryDequeue(out Action? work))
        {
            // Posted work handles its own failures (see EventLoopConnection); this loop must outlive a bug in one.
            try
            {
                work();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                System.Diagnostics.Debug.Fail("Work posted to the socket event loop failed: " + ex);
            }
        }
    }
}
