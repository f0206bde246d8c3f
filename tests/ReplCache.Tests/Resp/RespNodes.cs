using ReplCache.Tests.Infrastructure;

namespace ReplCache.Tests.Resp;

/// <summary>Nodes with a Redis-protocol endpoint sharing their replication port, on 127.0.0.1 port 0.</summary>
internal static class RespNodes
{
    public static Task<ReplicatedCacheNode> StartPrimaryAsync(Action<ReplicatedCacheOptions>? configure = null) =>
        Nodes.StartPrimaryAsync(o =>
        {
            o.RespListen = "127.0.0.1:0";
            configure?.Invoke(o);
        });

    public static Task<ReplicatedCacheNode> StartSecondaryAsync(Uri primary, Action<ReplicatedCacheOptions>? configure = null) =>
        Nodes.StartSecondaryAsync(primary, o =>
        {
            o.RespListen = "127.0.0.1:0";
            configure?.Invoke(o);
        });
}
