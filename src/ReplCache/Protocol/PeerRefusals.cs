using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ReplCache.Protocol;

/// <summary>
/// The log of calls the replication endpoint refused — a wrong or missing token, a malformed handshake — once per
/// peer address and kind of refusal, never per attempt: a scanner or a misconfigured secondary retrying every second
/// must not flood the log. Never logs a token.
/// </summary>
internal sealed partial class PeerRefusals(IReplicationControl replication, ILogger logger)
{
    /// <summary>Peers remembered; bounded so that attempts from many addresses cannot grow the set forever.</summary>
    private const int MaxPeers = 1024;

    private readonly ConcurrentDictionary<(string Peer, string Kind), byte> _logged = new();

    /// <summary>A call without the right token (the status says which: none or a wrong one).</summary>
    public void Unauthenticated(ServerCallContext context, string method, RpcException refusal)
    {
        string peer = PeerAddress(context.Peer);
        if (FirstTime(peer, refusal.Status.Detail))
        {
            ReplicationInfo info = replication.GetInfo();
            Log.Unauthenticated(logger, info.NodeId, info.Role, info.ReplicationId, info.Offset, method, peer, refusal.Status.Detail);
        }
    }

    /// <summary>A call refused for what it sent (a malformed Hello, a loop, a node not ready to serve).</summary>
    public void Refused(ServerCallContext context, RpcException refusal)
    {
        string peer = PeerAddress(context.Peer);
        if (FirstTime(peer, refusal.Status.Detail))
        {
            ReplicationInfo info = replication.GetInfo();
            Log.Refused(logger, info.NodeId, info.Role, info.ReplicationId, info.Offset, peer, refusal.StatusCode, refusal.Status.Detail);
        }
    }

    private bool FirstTime(string peer, string kind)
    {
        if (_logged.Count >= MaxPeers)
        {
            _logged.Clear();
        }

        return _logged.TryAdd((peer, kind), 0);
    }

    /// <summary>"ipv4:10.0.0.7:51234" → "10.0.0.7": the same peer reconnecting comes from a new port each time.</summary>
    internal static string PeerAddress(string? peer)
    {
        if (string.IsNullOrEmpty(peer))
        {
            return "unknown";
        }

        int scheme = peer.IndexOf(':', StringComparison.Ordinal);
        string address = scheme >= 0 && peer.AsSpan(0, scheme) is "ipv4" or "ipv6" ? peer[(scheme + 1)..] : peer;
        int port = address.LastIndexOf(':');
        return port > 0 && address[(port + 1)..].All(char.IsAsciiDigit) ? address[..port] : address;
    }
}
