using System.Net;
using System.Net.Sockets;
using ReplCache.Replication.Transport;

namespace ReplCache.Tests.Replication;

/// <summary>
/// The secondary's link connection (<see cref="OwnedThreadStream"/>): a read that finds nothing waiting is completed by
/// the connection's reader thread, and, on a connection that reads inline, a read that reader thread asks for itself
/// blocks right there — so the awaits above it complete synchronously — except a zero-byte read.
/// </summary>
public sealed class OwnedThreadStreamTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReadAskedForByTheReaderThread_BlocksThere_OnlyWhenReadingInline(bool readsInline)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using Stream stream = await OwnedThreadStream.ConnectAsync(new DnsEndPoint("127.0.0.1", port), readsInline, CancellationToken.None);
        using Socket server = await listener.AcceptSocketAsync();

        var second = new TaskCompletionSource<(bool CompletedAtOnce, int Read)>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] buffer = new byte[16];
        ValueTask<int> first = stream.ReadAsync(buffer); // from this thread: handed to the reader thread
        Assert.False(first.IsCompleted);
        _ = first.AsTask().ContinueWith(_ =>
        {
            // On the reader thread (the read's continuation runs synchronously where it completed).
            ValueTask<int> next = stream.ReadAsync(buffer);
            bool atOnce = next.IsCompleted;
            next.AsTask().ContinueWith(t => second.TrySetResult((atOnce, t.Result)), TaskScheduler.Default);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        server.Send([1]);

        // The second read finds nothing waiting: it blocks inline (and so is complete when it returns) or waits.
        await Task.Delay(200);
        server.Send([2, 3]);
        (bool completedAtOnce, int read) = await second.Task.WaitAsync(Bound);
        Assert.Equal(readsInline, completedAtOnce);
        Assert.Equal(2, read);
    }

    [Fact]
    public async Task AZeroByteReadAskedForByTheReaderThread_IsNeverInline()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using Stream stream = await OwnedThreadStream.ConnectAsync(new DnsEndPoint("127.0.0.1", port), readsInline: true, CancellationToken.None);
        using Socket server = await listener.AcceptSocketAsync();

        // A zero-byte read waits for data on an idle connection; inline, the reader thread could block before the
        // request the data answers is sent.
        var zeroByte = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] buffer = new byte[16];
        ValueTask<int> first = stream.ReadAsync(buffer);
        _ = first.AsTask().ContinueWith(_ => zeroByte.TrySetResult(stream.ReadAsync(Memory<byte>.Empty).IsCompleted),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        server.Send([1]);
        Assert.False(await zeroByte.Task.WaitAsync(Bound), "a zero-byte read on the reader thread blocked inline");
    }
}
