namespace ReplCache;

/// <summary>
/// The Redis Sentinels that manage this node's group. A node started with them asks the Sentinels which node is the
/// primary of <see cref="ServiceName"/>, and starts as that primary or as its secondary: an application farm of
/// embedded nodes needs no <see cref="ReplicatedCacheOptions.PrimaryAddress"/>, and an instance that restarts after a
/// failover rejoins as a secondary, never as a stale primary. From then on the Sentinels drive the node through its
/// Redis-protocol endpoint (<c>SLAVEOF</c>, <c>CLIENT KILL</c>), as they drive a Redis node.
/// </summary>
public sealed class ReplicatedCacheSentinelOptions
{
    /// <summary>Each Redis Sentinel as <c>host:port</c> (e.g. <c>127.0.0.1:26379</c>). Empty (the default): no Sentinel.</summary>
    public IList<string> Endpoints { get; set; } = [];

    /// <summary>The master name the Sentinels monitor this group under (<c>sentinel monitor &lt;name&gt; ...</c>).</summary>
    public string? ServiceName { get; set; }

    /// <summary>The Sentinels' <c>requirepass</c>, when they have one; sent with <c>AUTH</c> before asking.</summary>
    public string? AuthToken { get; set; }
}
