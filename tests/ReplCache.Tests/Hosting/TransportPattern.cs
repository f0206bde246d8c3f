using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace ReplCache.Tests.Hosting;

/// <summary>
/// A byte stream that tells where each byte belongs (offset mod 251), for the transports' tests: written into a
/// connection's output, read and checked on the peer's socket.
/// </summary>
internal static class TransportPattern
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Writes <paramref name="count"/> bytes of the pattern from <paramref name="offset"/>.</summary>
    public static int Write(PipeWriter output, long offset, int count)
    {
        Span<byte> span = output.GetSpan(count)[..count];
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Expected(offset + i);
        }

        output.Advance(count);
        return count;
    }

    public static byte Expected(long offset) => (byte)(offset % 251);

    /// <summary>Writes at least <paramref name="bytes"/> of the pattern, in flushes below any pause threshold: none waits long.</summary>
    public static async Task<long> WriteAtLeastAsync(PipeWriter output, long bytes)
    {
        long written = 0;
        while (written < bytes)
        {
            written += Write(output, written, 16 * 1024);
            await output.FlushAsync().AsTask().WaitAsync(Patience);
        }

        return written;
    }

    /// <summary>Reads until <paramref name="total"/> bytes came, each where the pattern puts it; then, if asked, the FIN.</summary>
    public static async Task ReadAsync(Socket peer, Func<long> total, bool expectFin = true)
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

    /// <summary>
    /// A handler that continues inline where the transport delivers input (ConfigureAwait(false): the test's own
    /// context would otherwise take the continuation): echoes what it reads, or answers each read of data with
    /// <paramref name="replyBytes"/> of the pattern. <paramref name="onThread"/> checks the thread it runs on.
    /// </summary>
    public static async Task EchoAsync(IDuplexPipe transport, int? replyBytes, Action onThread)
    {
        long replied = 0;
        while (true)
        {
            ReadResult request = await transport.Input.ReadAsync().ConfigureAwait(false);
            onThread();
            if (replyBytes is { } size && !request.Buffer.IsEmpty)
            {
                for (int left = size; left > 0; left -= 64 * 1024)
                {
                    replied += Write(transport.Output, replied, Math.Min(left, 64 * 1024));
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
}
