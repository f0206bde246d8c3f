using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ReplCache.Hosting.Transport;

/// <summary>
/// What Kestrel sees of a connection of the library's own transports (<see cref="OwnedThreadConnection"/>,
/// <see cref="EventLoop.EventLoopConnection"/>): its id, features, items, pipes, endpoints and closed token, set up
/// as Kestrel's own socket transport sets them.
/// </summary>
internal abstract class OwnedSocketConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    /// <summary>What Kestrel may leave unread before the transport stops receiving: Kestrel's own default for a socket.</summary>
    private const long InputPauseBytes = 1024 * 1024;

    /// <summary>What handlers may have queued unsent before their flush waits: a few log batches.</summary>
    /// <remarks>
    /// Small on purpose. A primary drops a stalled secondary at ReplicaOutputLimitBytes only once its sender's writes
    /// wait, and HTTP/1.1 has no flow control to make them wait sooner: whatever this pipe takes comes on top of the
    /// kernel's send buffer (autotuned up to <c>tcp_wmem</c>'s maximum, 4 MB by default on Linux) and is memory the
    /// limit does not see. At 4 MB, a sender to a stalled secondary put 8.4 MB into the connection before its writes
    /// waited (4.3 MB over HTTP/2), so a 4 MB limit was only reached after 12.4 MB of writes. The send buffer alone
    /// keeps the wire busy, so a few batches here are enough.
    /// </remarks>
    protected const long OutputPauseBytes = 256 * 1024;

    private readonly CancellationTokenSource _closed = new();

    protected OwnedSocketConnection(Socket socket)
    {
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
    }

    /// <summary>How long the last bytes may take to leave on dispose before the connection is cut.</summary>
    protected static TimeSpan DrainTimeout { get; } = TimeSpan.FromSeconds(5);

    public override string ConnectionId { get; set; } = CorrelationIds.Next();

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    /// <summary>Set by the transport's constructor.</summary>
    public override IDuplexPipe Transport { get; set; } = null!;

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The transport owns the connection's closed token.");
    }

    EndPoint? IConnectionEndPointFeature.LocalEndPoint { get => LocalEndPoint; set => LocalEndPoint = value; }

    EndPoint? IConnectionEndPointFeature.RemoteEndPoint { get => RemoteEndPoint; set => RemoteEndPoint = value; }

    /// <summary>What the peer sent: written by the transport's receiving side, read by Kestrel, both continuing inline.</summary>
    protected static Pipe NewInputPipe() =>
        new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: InputPauseBytes, resumeWriterThreshold: InputPauseBytes / 2, useSynchronizationContext: false));

    /// <summary>What goes to the peer: its reader, the send loop, continues on <paramref name="sendScheduler"/> (see <see cref="NonBlockingSender.Scheduler"/>).</summary>
    protected static Pipe NewOutputPipe(PipeScheduler sendScheduler) =>
        new(new PipeOptions(readerScheduler: sendScheduler, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: OutputPauseBytes, resumeWriterThreshold: OutputPauseBytes / 2, useSynchronizationContext: false));

    /// <summary>Tells Kestrel (and a blocked WAIT) that the peer is gone.</summary>
    protected void FireClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Once the connection is gone: a late <see cref="FireClosed"/> then does nothing.</summary>
    protected void DisposeClosedToken() => _closed.Dispose();
}
