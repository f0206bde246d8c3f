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

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

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
                    written += WritePattern(output, written, 64 * 1024);
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
            Task reading = ReadPatternAsync(peer, () => Volatile.Read(ref written));
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
            await ReadPatternAsync(peer, () => written, expectFin: false).WaitAsync(Patience);

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
            await ReadPatternAsync(peer, () => written).WaitAsync(Patience);
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
            Task serving = EchoAsync(connection.Transport, replyBytes: null);
            byte[] pipeline = Enumerable.Range(0, 100_000).Select(i => Expected(i)).ToArray();
            for (int offset = 0; offset < pipeline.Length; offset += 1000)
            {
                await peer.SendAsync(pipeline.AsMemory(offset, 1000), SocketFlags.None); // many small writes, batched as they come
            }

            await ReadPatternAsync(peer, () => pipeline.Length, expectFin: false).WaitAsync(Patience);
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
            Task serving = EchoAsync(connection.Transport, replyBytes: ReplyBytes);
            await peer.SendAsync("?"u8.ToArray(), SocketFlags.None);
            await ReadPatternAsync(peer, () => ReplyBytes, expectFin: false).WaitAsync(Patience);
            peer.Shutdown(SocketShutdown.Send);
            await serving.WaitAsync(Patience);
            await connection.DisposeAsync().AsTask().WaitAsync(Patience);
        }
    }

    /// <summary>
    /// A handler that continues inline on the receive thread (ConfigureAwait(false): the test's own context would
    /// otherwise take the continuation): echoes what it reads, or answers each read of data with <paramref name="replyBytes"/> of the pattern.
    /// </summary>
    private static async Task EchoAsync(System.IO.Pipelines.IDuplexPipe transport, int? replyBytes)
    {
        long replied = 0;
        while (true)
        {
            ReadResult request = await transport.Input.ReadAsync().ConfigureAwait(false);
            Assert.StartsWith("test receive", Thread.CurrentThread.Name);
            if (replyBytes is { } size && !request.Buffer.IsEmpty)
            {
                for (int left = size; left > 0; left -= 64 * 1024)
                {
                    replied += WritePattern(transport.Output, replied, Math.Min(left, 64 * 1024));
                    await transport.Output.FlushAsync().ConfigureAwait(false);
                }
            }
            else
            {
                foreach (ReadOnlyMemory<byte> segment in request.Buffer)
                {
                    transport.Output.Write(segment.Span);
                }

                await transport.Output.FlushAsync().ConfigureAwait(false);
            }

            transport.Input.AdvanceTo(request.Buffer.End);
            if (request.IsCompleted)
            {
                await transport.Output.CompleteAsync().ConfigureAwait(false);
                return;
            }
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

    /// <summary>Writes more of the pattern than the kernel's buffers hold, in flushes below the pause threshold: none waits long.</summary>
    private static async Task<long> WritePastTheKernelBuffersAsync(PipeWriter output)
    {
        long written = 0;
        while (written < MoreThanTheKernelHolds)
        {
            written += WritePattern(output, written, 16 * 1024);
            await output.FlushAsync().AsTask().WaitAsync(Patience);
        }

        return written;
    }

    /// <summary>Writes <paramref name="count"/> bytes of a pattern that tells where each byte belongs in the stream.</summary>
    private static int WritePattern(PipeWriter output, long offset, int count)
    {
        Span<byte> span = output.GetSpan(count)[..count];
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Expected(offset + i);
        }

        output.Advance(count);
        return count;
    }

    private static byte Expected(long offset) => (byte)(offset % 251);

    /// <summary>Reads until <paramref name="total"/> bytes came, each where the pattern puts it; then, if asked, the FIN.</summary>
    private static async Task ReadPatternAsync(Socket peer, Func<long> total, bool expectFin = true)
    {
        byte[] buffer = new byte[64 * 1024];
        long read = 0;
        while (true)
        {
            int received = await peer.ReceiveAsync(buffer, SocketFlags.None);
            if (received == 0)
            {
                Assert.True(expectFin, "the connection closed early");
                Assert.Equal(total(), read);
                return;
            }

            for (int i = 0; i < received; i++)
            {
                Assert.Equal(Expected(read + i), buffer[i]);
            }

            read += received;
            if (!expectFin && read == total())
            {
                return;
            }
        }
    }
}
