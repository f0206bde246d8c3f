using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ReplCache.Hosting.Transport.EventLoop;

/// <summary>The Linux system calls the event loop makes itself: epoll, an eventfd to wake it, and non-blocking recv and send.</summary>
/// <remarks>
/// Buffers are passed as <c>ref byte</c>, which the marshaller pins for the call, so no unsafe code is needed. An
/// <c>epoll_event</c> is written and read byte by byte: it is packed on x86-64 (12 bytes, the data at offset 4) and
/// naturally aligned elsewhere (16 bytes, the data at offset 8).
/// </remarks>
internal static class LinuxCalls
{
    public const int EpollIn = 0x001;
    public const int EpollOut = 0x004;
    public const int EpollErr = 0x008;
    public const int EpollHup = 0x010;
    public const int EpollRdHup = 0x2000;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const int ErrorInterrupted = 4;
    public const int ErrorWouldBlock = 11;

    private const int CloseOnExec = 0x80000;
    private const int EventFdNonBlocking = 0x800;
    private const int MessageDontWait = 0x40;
    private const int MessageNoSignal = 0x4000;

    /// <summary>Bytes of one <c>epoll_event</c> on this architecture.</summary>
    public static readonly int EventBytes = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>True where the loop can run: Linux on x86-64 or arm64, the layouts above.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static int Errno => Marshal.GetLastPInvokeError();

    public static int CreateEpoll() => Check(EpollCreate1(CloseOnExec), "epoll_create1");

    public static int CreateEventFd() => Check(EventFd(0, CloseOnExec | EventFdNonBlocking), "eventfd");

    /// <summary>Adds, changes or removes <paramref name="fd"/>'s interest, tagged with <paramref name="token"/>; the errno on failure, 0 on success.</summary>
    public static int Control(int epoll, int operation, int fd, int events, long token)
    {
        Span<byte> ev = stackalloc byte[16];
        ev.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(ev, events);
        BinaryPrimitives.WriteInt64LittleEndian(ev[EventDataOffset..], token);
        return EpollCtl(epoll, operation, fd, ref MemoryMarshal.GetReference(ev)) == 0 ? 0 : Errno;
    }

    /// <summary>Waits for events into <paramref name="events"/> (<see cref="EventBytes"/> each); the count, or -1 when interrupted.</summary>
    public static int Wait(int epoll, Span<byte> events, int timeoutMs)
    {
        int count = EpollWait(epoll, ref MemoryMarshal.GetReference(events), events.Length / EventBytes, timeoutMs);
        if (count < 0 && Errno != ErrorInterrupted)
        {
            throw new InvalidOperationException($"epoll_wait failed: errno {Errno}.");
        }

        return count;
    }

    public static int EventMask(ReadOnlySpan<byte> events, int index) => BinaryPrimitives.ReadInt32LittleEndian(events[(index * EventBytes)..]);

    public static long EventToken(ReadOnlySpan<byte> events, int index) => BinaryPrimitives.ReadInt64LittleEndian(events[((index * EventBytes) + EventDataOffset)..]);

    /// <summary>Adds one to an eventfd's counter, waking whoever waits on it.</summary>
    public static void Signal(int eventFd)
    {
        Span<byte> one = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(one, 1);
        _ = Write(eventFd, ref MemoryMarshal.GetReference(one), 8);
    }

    /// <summary>Resets an eventfd's counter (non-blocking: nothing to read is fine).</summary>
    public static void Drain(int eventFd)
    {
        Span<byte> counter = stackalloc byte[8];
        _ = Read(eventFd, ref MemoryMarshal.GetReference(counter), 8);
    }

    /// <summary>A non-blocking receive: bytes received, 0 at the peer's end of stream, -1 with <see cref="Errno"/> set.</summary>
    public static nint Receive(int fd, Span<byte> into) => Recv(fd, ref MemoryMarshal.GetReference(into), (nuint)into.Length, MessageDontWait);

    /// <summary>A non-blocking send that raises no SIGPIPE: bytes sent, or -1 with <see cref="Errno"/> set.</summary>
    public static nint Send(int fd, ReadOnlySpan<byte> bytes) => SendTo(fd, ref MemoryMarshal.GetReference(bytes), (nuint)bytes.Length, MessageDontWait | MessageNoSignal);

    public static void CloseFd(int fd) => _ = Close(fd);

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new InvalidOperationException($"{call} failed: errno {Errno}.");

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollCtl(int epoll, int operation, int fd, ref byte ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(int epoll, ref byte events, int maxEvents, int timeoutMs);

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, ref byte buffer, nuint count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, ref byte buffer, nuint count);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern nint Recv(int fd, ref byte buffer, nuint length, int flags);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint SendTo(int fd, ref byte buffer, nuint length, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
