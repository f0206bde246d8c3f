using System.Diagnostics;
using System.Net;

namespace ReplCache.Replication.Primary;

/// <summary>A secondary connected to this node, as this node sees it: the figures behind a <c>slaveN:</c> line.</summary>
/// <param name="nodeId">Its node id.</param>
/// <param name="address">The replication address it announced, if any.</param>
/// <param name="respPort">The RESP port its Hello named (0: none, or an older secondary).</param>
/// <param name="peer">Where its call came from, as gRPC names it (<c>ipv4:127.0.0.1:50123</c>), if known.</param>
/// <param name="stop">Cancelled to drop the link.</param>
internal sealed class ConnectedReplica(string nodeId, Uri? address, int respPort, string? peer, CancellationTokenSource stop)
{
    private long _ackedOffset = -1;
    private long _lastHeardTimestamp = Stopwatch.GetTimestamp();
    private volatile ReplicaSyncState _state = ReplicaSyncState.Handshake;
    private long _messagesSent;
    private long _bytesSent;

    public string NodeId { get; } = nodeId;

    public Uri? Address { get; } = address;

    /// <summary>
    /// INFO's <c>ip=</c>, an IP literal because Sentinel ignores host names: as Redis (<c>replica-announce-ip</c>,
    /// else the peer's address), the announced host when it is a usable IP, else the address it connected from.
    /// </summary>
    public string? Ip { get; } = IpLiteral(address, peer);

    /// <summary>INFO's <c>port=</c>: its RESP port; 0 (out of range, or unsaid) shows the announced port instead.</summary>
    public int RespPort { get; } = respPort is > 0 and <= 65535 ? respPort : 0;

    /// <summary>Cancelled to drop the link (timeout, overrun, role change, shutdown).</summary>
    public CancellationTokenSource Stop { get; } = stop;

    /// <summary>Why the link is being dropped, when this side decided it.</summary>
    public string? StopReason { get; set; }

    /// <summary>
    /// Drops the link from outside its session (the node is stopping). The session may have ended a moment ago: it
    /// leaves the registry and then disposes <see cref="Stop"/>, and a caller holding an earlier list of replicas
    /// finds it disposed, which says the link is already gone.
    /// </summary>
    public void Disconnect()
    {
        try
        {
            Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Ended already.
        }
    }

    public ReplicaSyncState State
    {
        get => _state;
        set => _state = value;
    }

    /// <summary>The last offset it acknowledged; -1 before the first acknowledgement.</summary>
    public long AckedOffset => Volatile.Read(ref _ackedOffset);

    /// <summary>Time since it was last heard from.</summary>
    public TimeSpan SinceLastHeard => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastHeardTimestamp));

    /// <summary>Messages and bytes of log and snapshot sent to it.</summary>
    public long MessagesSent => Volatile.Read(ref _messagesSent);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public void Sent(int bytes)
    {
        Volatile.Write(ref _messagesSent, _messagesSent + 1);
        Volatile.Write(ref _bytesSent, _bytesSent + bytes);
    }

    public void Heard() => Volatile.Write(ref _lastHeardTimestamp, Stopwatch.GetTimestamp());

    public void Acknowledged(long offset)
    {
        Heard();
        if (offset > _ackedOffset)
        {
            Volatile.Write(ref _ackedOffset, offset);
        }
    }

    /// <summary>The figures of INFO's <c>slaveN:</c> line, the state in Redis's words.</summary>
    public ReplicaInfo ToInfo() => new(NodeId, Address, RedisWord(State), Math.Max(AckedOffset, 0), SinceLastHeard)
    {
        Ip = Ip,
        RespPort = RespPort,
    };

    internal static string? IpLiteral(Uri? announced, string? peer)
    {
        if (announced is not null && IPAddress.TryParse(announced.DnsSafeHost, out IPAddress? ip)
            && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
        {
            return Shown(ip);
        }

        // gRPC's ServerCallContext.Peer: "ipv4:127.0.0.1:50123" or "ipv6:[::1]:50123".
        int colon = peer?.IndexOf(':') ?? -1;
        return colon > 0 && IPEndPoint.TryParse(peer.AsSpan(colon + 1), out IPEndPoint? from) ? Shown(from.Address) : null;

        static string Shown(IPAddress ip) => (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }

    private static string RedisWord(ReplicaSyncState state) => state switch
    {
        ReplicaSyncState.Handshake => "wait_bgsave",
        ReplicaSyncState.SendingSnapshot => "send_bulk",
        _ => "online",
    };
}
