using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using ReplCache.Hosting.Transport;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// The owned-thread transport sends on the thread that flushes, with non-blocking sends, and parks on a full kernel
/// buffer for its send thread: whatever the peer does, a flushing thread never blocks in a send, the receive thread
/// keeps serving, writers still wait once the peer stops reading, and every byte arrives once it reads again.
/// </summary>
public sealed class OwnedThreadConnectionSendTests
{
    /// <summary>More than the small kernel buffers below can hold (send plus receive, as the kernel reports them).</summary>
    private const int MoreThanTheKernelHolds = 320 * 1024;

    private static readonly TimeSpan Patience = TransportPattern.Patience;

    [Fact]
    public async Task Flush_PeerStopsReading_TheFlushingThreadNeverBlocksAndTheReceiveThreadKeepsServing()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            PipeWriter output = connection.Transport.Output;

            // A thread of its own, as a replication sender's loop thread: its flushes run the sends, and must return
            // (done or waiting) however full the socket is, never block in one.
            long written = 0;
            var waited = new TaskCompletionSource<Task<FlushResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var writer = new Thread(() =>
            {
                while (written < 64 * 1024 * 1024)
                {
                    written += TransportPattern.Write(output, written, 64 * 1024);
                    ValueTask<FlushResult> flush = output.FlushAsync();
                    if (!flush.IsCompleted)
                    {
                        waited.SetResult(flush.AsTask());
                        return;
                    }
                }

                waited.SetException(new InvalidOperationException("64 MB went into a connection whose peer reads nothing without a flush waiting."));
            }) { IsBackground = true };
            writer.Start();
            Task<FlushResult> pending = await waited.Task.WaitAsync(Patience);
            Assert.False(pending.IsCompleted);

            // The send loop is parked on the full socket; requests still come in.
            await peer.SendAsync("ping"u8.ToArray(), SocketFlags.None);
            ReadResult request = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Patience);
            Assert.Equal("ping"u8.ToArray(), request.Buffer.ToArray());
            connection.Transport.Input.AdvanceTo(request.Buffer.End);

            // The peer reads again: the waiting flush completes and every byte arrives, in order, then the FIN.
            Task reading = TransportPattern.ReadAsync(peer, () => Volatile.Read(ref written));
            await pending.WaitAsync(Patience);
            await output.CompleteAsync();
            await reading.WaitAsync(Patience);
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_KernelBufferFull_CompletesOnceThePeerReads()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            PipeWriter output = connection.Transport.Output;
            long written = await WritePastTheKernelBuffersAsync(output);

            await Task.Delay(200); // the peer is slow to start reading: the sends hit a full buffer and park
            Assert.True(peer.Available < written);
            await TransportPattern.ReadAsync(peer, () => written, expectFin: false).WaitAsync(Patience);

            peer.LingerState = new LingerOption(true, 0);
            peer.Close();
            await connection.DisposeAsync().AsTask().WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Dispose_OutputLeftUnsentWhileThePeerIsSlow_TheLastBytesThenTheFinReachIt()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            PipeWriter output = connection.Transport.Output;
            long written = await WritePastTheKernelBuffersAsync(output);

            await output.CompleteAsync(); // as Kestrel does before disposing
            Task disposing = connection.DisposeAsync().AsTask();
            await Task.Delay(500); // well within the drain timeout
            Assert.False(disposing.IsCompleted); // the connection waits for its last bytes to leave
            await TransportPattern.ReadAsync(peer, () => written).WaitAsync(Patience);
            await disposing.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Dispose_PeerNeverReads_TheConnectionIsCutAfterTheDrainTimeout()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            await WritePastTheKernelBuffersAsync(connection.Transport.Output);

            // The send thread waits for the socket to take bytes; the abort after the drain timeout must end that wait.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await connection.DisposeAsync().AsTask().WaitAsync(Patience);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(4), $"disposed after {clock.Elapsed}, before the drain timeout (5 s)");
        }
    }

    [Fact]
    public async Task Replies_WrittenOnTheReceiveThreadToAPipeline_AllLeaveInOrder()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            // As Kestrel does, the handler runs on the receive thread and replies there: its sends wait for the end
            // of each batch of input it serves.
            Task serving = TransportPattern.EchoAsync(connection.Transport, replyBytes: null, OnReceiveThread);
            byte[] pipeline = Enumerable.Range(0, 100_000).Select(i => TransportPattern.Expected(i)).ToArray();
            for (int offset = 0; offset < pipeline.Length; offset += 1000)
            {
                await peer.SendAsync(pipeline.AsMemory(offset, 1000), SocketFlags.None); // many small writes, batched as they come
            }

            await TransportPattern.ReadAsync(peer, () => pipeline.Length, expectFin: false).WaitAsync(Patience);
            peer.Shutdown(SocketShutdown.Send);
            await serving.WaitAsync(Patience);
            await connection.DisposeAsync().AsTask().WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Reply_LargerThanThePauseThreshold_WrittenOnTheReceiveThread_Leaves()
    {
        (Socket peer, OwnedThreadConnection connection) = await ConnectAsync();
        using (peer)
        {
            // The reply fills the pipe while its batch is still being served: its flush waits, the batch ends, and
            // the sends it waited for run then.
            const int ReplyBytes = 4 * 1024 * 1024;
            Task serving = TransportPattern.EchoAsync(connection.Transport, replyBytes: ReplyBytes, OnReceiveThread);
            await peer.SendAsync("?"u8.ToArray(), SocketFlags.None);
            await TransportPattern.ReadAsync(peer, () => ReplyBytes, expectFin: false).WaitAsync(Patience);
            peer.Shutdown(SocketShutdown.Send);
            await serving.WaitAsync(Patience);
            await connection.DisposeAsync().AsTask().WaitAsync(Patience);
        }
    }

    private static async Task<(Socket Peer, OwnedThreadConnection Connection)> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await peer.ConnectAsync(listener.LocalEndPoint!);
        Socket accepted = await listener.AcceptAsync();
        accepted.SendBufferSize = 64 * 1024; // small and fixed (no autotuning): the buffer fills soon
        var connection = new OwnedThreadConnection(accepted, "test");
        connection.Start();
        return (peer, connection);
    }

    private static Task<long> WritePastTheKernelBuffersAsync(PipeWriter output) => TransportPattern.WriteAtLeastAsync(output, MoreThanTheKernelHolds);

    private static void OnReceiveThread() => Assert.StartsWith("test receive", Thread.CurrentThread.Name);
}
