using System.Collections.Concurrent;

namespace ReplCache.Resp;

/// <summary>
/// The endpoint's live connections (Redis's <c>server.clients</c>), for CLIENT KILL: each is added when it starts
/// being served and removed when it ends, whatever ends it.
/// </summary>
internal sealed class RespClientRegistry
{
    private readonly ConcurrentDictionary<long, RespConnection> _clients = new();

    public int Count => _clients.Count;

    public void Add(RespConnection connection) => _clients[connection.Id] = connection;

    public void Remove(RespConnection connection) => _clients.TryRemove(connection.Id, out _);

    /// <summary>A snapshot, oldest connection first, as Redis walks its client list.</summary>
    public RespConnection[] Snapshot() => [.. _clients.Values.OrderBy(c => c.Id)];
}
