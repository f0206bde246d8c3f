namespace ReplCache;

/// <summary>
/// Settings of <c>UseReplicatedCacheConsistency</c>: read-your-writes across the instances of an app whose requests
/// land on any of them. Validated when the middleware is built; a bad value names the setting.
/// </summary>
public sealed class ReplicatedCacheConsistencyOptions
{
    /// <summary>The header and cookie that carry a write's position: <c>ReplCache-Position: &lt;replication id&gt;:&lt;offset&gt;</c>.</summary>
    public const string PositionName = "ReplCache-Position";

    /// <summary>Default of <see cref="MaxWait"/>: 2 s.</summary>
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest a request that brings a position waits for this node to apply it. Replication usually takes well
    /// under a millisecond; a node still behind after this long is cut off from its primary or badly overloaded.
    /// Default 2 s; must be positive and at most 1 minute (a request held longer is a request lost).
    /// </summary>
    public TimeSpan MaxWait { get; set; } = DefaultMaxWait;

    /// <summary>
    /// What a request does when this node has not applied its position within <see cref="MaxWait"/>: false (the
    /// default) answers 503 with <c>Retry-After: 1</c>, so the client retries (usually on another instance) rather
    /// than read — and perhaps write back — data older than its own last write; true lets the request through to
    /// serve what this node holds.
    /// </summary>
    public bool ServeStaleAfterMaxWait { get; set; }
}
