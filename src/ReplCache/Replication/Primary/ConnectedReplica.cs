using System.Diagnostics;

namespace ReplCache.Replication.Primary;

/// <summary>A secondary connected to this node, as this node sees it: the figures behind a <c>slaveN:</c> line.</summary>
internal sealed class ConnectedReplica(string nodeId, Uri? address, CancellationTokenSource stop)
{
    private long _ackedOffset = -1;
    private long _lastHeardTimestamp = Stopwatch.GetTimestamp();
    private volatile ReplicaSyncState _state = ReplicaSyncState.Handshake;
    private long _messagesSent;
    private long _bytesSent;

    public string NodeId { get; } = nodeId;

    public Uri? Address { get; } = address;

    /// <summary>Cancelled to drop the link (timeout, overrun, role change, shutdown).</summary>
    public CancellationTokenSource Stop { get; } = stop;

    /// <summary>Why the link is being dropped, when this side decided it.</summary>
    public string? StopReason { get; set; }

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
    public ReplicaInfo ToInfo() => new(NodeId, Address, RedisWord(State), Math.Max(AckedOffset, 0), SinceLastHeard);

    private static string RedisWord(ReplicaSyncState state) => state switch
    {
        ReplicaSyncState.Handshake => "wait_bgsave",
        ReplicaSyncState.SendingSnapshot => "send_bulk",
        _ => "online",
    };
}
