using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ReplCache.Hosting.Transport.EventLoop;
using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// The event-loop transport (the RESP port's on Linux) serves every connection from one thread: handlers run there
/// inline, a full send buffer parks only the send loop, a handler that falls behind pauses only its own input, and
/// the loop's thread ends with its listener. Real sockets on 127.0.0.1, the listener as Kestrel drives it. Linux only,
/// as the transport (elsewhere the RESP port stays on Kestrel's sockets).
/// </summary>
public sealed class EventLoopTransportTests
{
    private const string LoopName = "test";

    /// <summary>What a thread of the loop is called in /proc (its name cut to 15 bytes): "test event loop".</summary>
    private const string LoopThreadComm = "test event loop";

    /// <summary>More than the small kernel buffers below can hold (send plus receive, as the kernel reports them).</summary>
    private const int MoreThanTheKernelHolds = 320 * 1024;

    private static readonly TimeSpan Patience = TransportPattern.Patience;

    [Fact]
    public async Task Handler_RunsOnTheLoopThread_AndAPipelineOfRepliesLeavesInOrder()
    {
        await using Served served = await ServeAsync();
        Task serving = TransportPattern.EchoAsync(served.Connection.Transport, replyBytes: null, OnLoopThread);
        byte[] pipeline = Enumerable.Range(0, 100_000).Select(i => TransportPattern.Expected(i)).ToArray();
        for (int offset = 0; offset < pipeline.Length; offset += 1000)
        {
            await served.Peer.SendAsync(pipeline.AsMemory(offset, 1000), SocketFlags.None); // many small writes, batched as they come
        }

        await TransportPattern.ReadAsync(served.Peer, () => pipeline.Length, expectFin: false).WaitAsync(Patience);
        served.Peer.Shutdown(SocketShutdown.Send);
        await serving.WaitAsync(Patience);
    }

    [Fact]
    public async Task Reply_LargerThanThePauseThreshold_WrittenOnTheLoopThread_Leaves()
    {
        await using Served served = await ServeAsync();
        const int ReplyBytes = 4 * 1024 * 1024;
        Task serving = TransportPattern.EchoAsync(served.Connection.Transport, replyBytes: ReplyBytes, OnLoopThread);
        await served.Peer.SendAsync("?"u8.ToArray(), SocketFlags.None);
        await TransportPattern.ReadAsync(served.Peer, () => ReplyBytes, expectFin: false).WaitAsync(Patience);
        served.Peer.Shutdown(SocketShutdown.Send);
        await serving.WaitAsync(Patience);
    }

    [Fact]
    public async Task Flush_PeerStopsReading_TheFlushWaits_AndAnotherConnectionOnTheLoopIsStillServed()
    {
        await using Served stalled = await ServeAsync();
        PipeWriter output = stalled.Connection.Transport.Output;
        long written = 0;
        ValueTask<FlushResult> flush = default;
        while (written < 64 * 1024 * 1024)
        {
            written += TransportPattern.Write(output, written, 64 * 1024);
            flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                break;
            }
        }

        Assert.False(flush.IsCompleted, "64 MB went into a connection whose peer reads nothing without a flush waiting");

        // The loop is not stuck with the stalled connection: a second one on the same loop is served.
        await using Served other = await stalled.ConnectAnotherAsync();
        Task serving = TransportPattern.EchoAsync(other.Connection.Transport, replyBytes: null, OnLoopThread);
        await other.Peer.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        byte[] echo = new byte[4];
        Assert.Equal(4, await other.Peer.ReceiveAsync(echo, SocketFlags.None).WaitAsync(Patience));
        Assert.Equal("ping"u8.ToArray(), echo);

        // The stalled peer reads again: the waiting flush completes and every byte arrives, in order, then the FIN.
        Task reading = TransportPattern.ReadAsync(stalled.Peer, () => Volatile.Read(ref written));
        await flush.AsTask().WaitAsync(Patience);
        await output.CompleteAsync();
        await stalled.Connection.DisposeAsync();
        await reading.WaitAsync(Patience);
        other.Peer.Shutdown(SocketShutdown.Send);
        await serving.WaitAsync(Patience);
    }

    [Fact]
    public async Task Input_HandlerFallsBehind_TheLoopPausesThatInput_AndEveryByteArrivesOnceItReads()
    {
        await using Served served = await ServeAsync();
        const int Bytes = 8 * 1024 * 1024; // well past the input pipe's 1 MB pause
        byte[] sent = Enumerable.Range(0, Bytes).Select(i => TransportPattern.Expected(i)).ToArray();
        Task sending = served.Peer.SendAsync(sent, SocketFlags.None);
        await Task.Delay(300); // the handler reads nothing yet: the pipe fills, the loop stops receiving

        Assert.False(sending.IsCompleted, "8 MB were taken from a peer whose handler read nothing");
        PipeReader input = served.Connection.Transport.Input;
        long read = 0;
        while (read < Bytes)
        {
            ReadResult result = await input.ReadAsync().AsTask().WaitAsync(Patience);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                for (int i = 0; i < segment.Length; i++)
                {
                    Assert.Equal(TransportPattern.Expected(read + i), segment.Span[i]);
                }

                read += segment.Length;
            }

            input.AdvanceTo(result.Buffer.End);
        }

        await sending.WaitAsync(Patience);
        served.Peer.Shutdown(SocketShutdown.Send);
        ReadResult end = await input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.True(end.IsCompleted && end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task Dispose_OutputLeftUnsentWhileThePeerIsSlow_TheLastBytesThenTheFinReachIt()
    {
        await using Served served = await ServeAsync();
        PipeWriter output = served.Connection.Transport.Output;
        long written = await TransportPattern.WriteAtLeastAsync(output, MoreThanTheKernelHolds);
        await output.CompleteAsync(); // as Kestrel does before disposing
        Task disposing = served.Connection.DisposeAsync().AsTask();
        await Task.Delay(500); // well within the drain timeout
        Assert.False(disposing.IsCompleted); // the connection waits for its last bytes to leave
        await TransportPattern.ReadAsync(served.Peer, () => written).WaitAsync(Patience);
        await disposing.WaitAsync(Patience);
    }

    [Fact]
    public async Task Dispose_PeerNeverReads_TheConnectionIsCutAfterTheDrainTimeout()
    {
        await using Served served = await ServeAsync();
        await TransportPattern.WriteAtLeastAsync(served.Connection.Transport.Output, MoreThanTheKernelHolds);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await served.Connection.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(4), $"disposed after {clock.Elapsed}, before the drain timeout (5 s)");
    }

    [Fact]
    public async Task PeerResets_WhileASendIsParked_TheConnectionEndsAndTheClosedTokenFires()
    {
        await using Served served = await ServeAsync();
        await TransportPattern.WriteAtLeastAsync(served.Connection.Transport.Output, MoreThanTheKernelHolds);
        served.Peer.LingerState = new LingerOption(true, 0);
        served.Peer.Close(); // a reset
        await Task.Delay(Timeout.Infinite, served.Connection.ConnectionClosed).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Patience);
        await served.Connection.DisposeAsync().AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task Listener_Disposed_AfterItsConnections_TheLoopThreadEnds()
    {
        int before = LoopThreads();
        Served served = await ServeAsync();
        Assert.Equal(before + 1, LoopThreads());
        served.Peer.Shutdown(SocketShutdown.Send);
        await served.DisposeAsync();
        Assert.Equal(before, await ProcessThreads.NamedSoonAsync(LoopThreadComm, before));
    }

    private static void OnLoopThread() => Assert.StartsWith($"{LoopName} event loop", Thread.CurrentThread.Name);

    private static int LoopThreads() => ProcessThreads.Named(LoopThreadComm);

    private static async Task<Served> ServeAsync()
    {
        IConnectionListener listener = await new EventLoopTransportFactory(LoopName).BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return await Served.AcceptAsync(listener, ownsListener: true);
    }

    /// <summary>A peer socket and the connection the listener accepted for it, with small fixed kernel buffers (no autotuning).</summary>
    private sealed class Served : IAsyncDisposable
    {
        private readonly IConnectionListener _listener;
        private readonly bool _ownsListener;

        private Served(IConnectionListener listener, bool ownsListener, Socket peer, ConnectionContext connection)
        {
            _listener = listener;
            _ownsListener = ownsListener;
            Peer = peer;
            Connection = connection;
        }

        public Socket Peer { get; }

        public ConnectionContext Connection { get; }

        public static async Task<Served> AcceptAsync(IConnectionListener listener, bool ownsListener)
        {
            var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
            await peer.ConnectAsync(listener.EndPoint);
            ConnectionContext connection = await listener.AcceptAsync().AsTask().WaitAsync(Patience) ?? throw new InvalidOperationException("The listener accepted nothing.");
            connection.Features.Get<IConnectionSocketFeature>()!.Socket.SendBufferSize = 64 * 1024; // the buffer fills soon
            return new Served(listener, ownsListener, peer, connection);
        }

        /// <summary>A second connection on the same listener, so on the same loop.</summary>
        public Task<Served> ConnectAnotherAsync() => AcceptAsync(_listener, ownsListener: false);

        public async ValueTask DisposeAsync()
        {
            Peer.Dispose();
            await Connection.DisposeAsync().AsTask().WaitAsync(Patience); // a second dispose (after a test's own) is a no-op
            if (_ownsListener)
            {
                await _listener.UnbindAsync();
                await _listener.DisposeAsync();
            }
        }
    }
}
