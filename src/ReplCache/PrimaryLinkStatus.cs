namespace ReplCache;

/// <summary>The state of a secondary's link to its primary (Redis's <c>master_link_status</c>, in more detail).</summary>
public enum PrimaryLinkStatus
{
    /// <summary>The node is a primary and has no link.</summary>
    None,

    /// <summary>Connecting or handshaking.</summary>
    Connecting,

    /// <summary>Receiving a full snapshot.</summary>
    Syncing,

    /// <summary>In sync and streaming.</summary>
    Up,

    /// <summary>The link is broken; the node retries with backoff.</summary>
    Down,
}
