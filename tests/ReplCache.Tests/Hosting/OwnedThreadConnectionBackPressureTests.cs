using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using ReplCache.Hosting.Transport;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// A peer that stops reading must soon make the owned-thread transport's writers wait. A primary only notices a
/// stalled secondary (and drops it at ReplicaOutputLimitBytes) once the sender's writes wait: every byte the transport
/// takes without waiting is a byte the output limit does not see.
/// </summary>
public sealed class OwnedThreadConnectionBackPressureTests
{
    /// <summary>The smallest ReplicaOutputLimitBytes the options allow.</summary>
    private const long SmallestOutputLimit = 1024 * 1024;

    [Fact]
    public async Task Output_PeerStopsReading_FlushWaitsBeforeTheTransportHoldsTheSmallestOutputLimit()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await peer.ConnectAsync(listener.LocalEndPoint!);
        Socket accepted = await listener.AcceptAsync();

        // Small, fixed kernel buffers (no autotuning) on both sides: what the writer got rid of beyond them is what
        // the transport itself holds.
        accepted.SendBufferSize = 64 * 1024;
        long kernel = accepted.SendBufferSize + peer.ReceiveBufferSize; // as the kernel reports them (Linux doubles what is asked)
        var connection = new OwnedThreadConnection(accepted, "test");
        connection.Start();

        PipeWriter output = connection.Transport.Output;
        long written = 0;
        while (written < 16 * SmallestOutputLimit)
        {
            Memory<byte> memory = output.GetMemory(64 * 1024);
            output.Advance(memory.Length);
            written += memory.Length;
            Task<FlushResult> flush = output.FlushAsync().AsTask();
            if (await Task.WhenAny(flush, Task.Delay(TimeSpan.FromSeconds(1))) != flush)
            {
                break; // the peer reads nothing: the writer waits, as a primary's sender must
            }
        }

        Assert.InRange(written, 1, kernel + SmallestOutputLimit / 2);

        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // a reset: the send thread's blocked Send fails and the connection ends without its drain timeout
        await connection.DisposeAsync();
    }
}
