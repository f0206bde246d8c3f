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
